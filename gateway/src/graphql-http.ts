import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Request, Response } from 'express';

/**
 * Apollo Server behind Express, as @as-integrations/express5 does it, less two costs paid on every
 * answer for nothing: Express's `res.send` hashes the whole body for an ETag (useless on POST, and a
 * GraphQL answer is rarely worth revalidating) and re-encodes it; and the URL is parsed whole where
 * only its query string is needed.
 */
export function graphqlHandler<TContext extends BaseContext>(
  server: ApolloServer<TContext>,
  context: (req: Request, res: Response) => Promise<TContext>,
) {
  return async (req: Request, res: Response) => {
    const headers = new HeaderMap();
    for (const name in req.headers) {
      const value = req.headers[name];
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const query = req.url.indexOf('?');
    const response = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method.toUpperCase(),
        headers,
        search: query === -1 ? '' : req.url.slice(query),
        body: req.body,
      },
      context: () => context(req, res),
    });
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    // Node sets Content-Length itself for a body written whole by end().
    if (response.body.kind === 'complete') return void res.end(response.body.string);
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };
}
