import { ApolloClient, HttpLink, InMemoryCache, split } from '@apollo/client/core';
import { setContext } from '@apollo/client/link/context';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';

/** `url`: the gateway, e.g. http://localhost:4000/graphql; `token()`: the current access token, if signed in. */
export function createApolloClient(url: string, token: () => string | null) {
  const auth = (): Record<string, string> => {
    const current = token();
    return current ? { authorization: `Bearer ${current}` } : {};
  };
  const http = setContext((_, { headers }) => ({ headers: { ...headers, ...auth() } })).concat(
    new HttpLink({ uri: url }),
  );
  // Subscriptions over graphql-ws on the same URL; the token goes in the connection parameters.
  const ws = new GraphQLWsLink(createClient({ url: url.replace(/^http/, 'ws'), connectionParams: auth }));
  const isSubscription = ({ query }: { query: Parameters<typeof getMainDefinition>[0] }) => {
    const definition = getMainDefinition(query);
    return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
  };
  return new ApolloClient({ link: split(isSubscription, ws, http), cache: new InMemoryCache() });
}
