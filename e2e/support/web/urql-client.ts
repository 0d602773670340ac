import { Client, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { createClient } from 'graphql-ws';

/** `url`: the gateway, e.g. http://localhost:4000/graphql; `token()`: the current access token, if signed in. */
export function createUrqlClient(url: string, token: () => string | null) {
  const auth = (): Record<string, string> => {
    const current = token();
    return current ? { authorization: `Bearer ${current}` } : {};
  };
  const ws = createClient({ url: url.replace(/^http/, 'ws'), connectionParams: auth });
  return new Client({
    url,
    // urql's defaults as they are: queries go as GET, mutations as POST.
    fetchOptions: () => ({ headers: auth() }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink) }),
        }),
      }),
    ],
  });
}
