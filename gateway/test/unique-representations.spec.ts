import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, execute, parse } from 'graphql';
import { InternalTokenCache } from '@peerlink/platform/auth/internal-token';
import type { GatewayContext } from '@peerlink/gateway/context';
import { SubgraphClient } from '@peerlink/gateway/subgraph-client';

const LINK = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
const POSTS = [
  { id: 'p1', authorId: 'u1' },
  { id: 'p2', authorId: 'u1' },
  { id: 'p3', authorId: 'u2' },
  { id: 'p4', authorId: 'u1' },
  { id: 'p5', authorId: 'u2' },
];

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A subgraph on its own port that records the representations each call asked for. */
async function subgraph(typeDefs: string, resolvers: object, calls: unknown[][] = []) {
  // The resolvers' own types are checked by nothing here but the test's assertions.
  const schema = buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      const { query, variables } = JSON.parse(body);
      if (variables?.representations) calls.push(variables.representations);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(await execute({ schema, document: parse(query), variableValues: variables })));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, typeDefs, calls };
}

async function gatewayOver(services: Record<string, { url: string; typeDefs: string }>) {
  const composed = composeServices(
    Object.entries(services).map(([name, s]) => ({ name, url: s.url, typeDefs: parse(s.typeDefs) })),
  );
  const tokens = new InternalTokenCache(generateKeyPairSync('ed25519').privateKey);
  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl!,
    buildService: ({ name, url }) => new SubgraphClient(name, url!, tokens, { timeoutMs: 5_000, maxSockets: 8 }),
  });
  const server = new ApolloServer<GatewayContext>({ gateway });
  await server.start();
  return server;
}

describe('entity lookups through the gateway', () => {
  it('ask a subgraph once per distinct entity, and give every place the entity and its errors', async () => {
    const users: unknown[][] = [];
    const posts = await subgraph(
      `${LINK}
        type Query { posts: [Post] }
        type Post { id: ID! author: User }
        type User @key(fields: "id", resolvable: false) { id: ID! }`,
      { Query: { posts: () => POSTS }, Post: { author: (post: { authorId: string }) => ({ id: post.authorId }) } },
    );
    const accounts = await subgraph(
      `${LINK}
        type User @key(fields: "id") { id: ID! name: String secret: String }`,
      {
        User: {
          __resolveReference: ({ id }: { id: string }) => ({ id, name: id === 'u1' ? 'Ada' : 'Alan' }),
          secret: ({ id }: { id: string }) => {
            if (id === 'u2') throw new GraphQLError('Not yours to see.', { extensions: { code: 'FORBIDDEN' } });
            return `secret of ${id}`;
          },
        },
      },
      users,
    );
    const server = await gatewayOver({ posts, accounts });
    try {
      const response = await server.executeOperation(
        { query: '{ posts { id author { id name secret } } }' },
        { contextValue: { viewer: null, client: {}, requestId: 'r1', startedAt: performance.now() } },
      );
      const result = response.body.kind === 'single' ? response.body.singleResult : undefined;

      expect(users).toEqual([
        [
          { __typename: 'User', id: 'u1' },
          { __typename: 'User', id: 'u2' },
        ],
      ]);
      expect(result?.data).toEqual({
        posts: POSTS.map(({ id, authorId }) => ({
          id,
          author: {
            id: authorId,
            name: authorId === 'u1' ? 'Ada' : 'Alan',
            secret: authorId === 'u1' ? 'secret of u1' : null,
          },
        })),
      });
      // Each post by u2 gets the refusal at its own path, as without the deduplication.
      expect(result?.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
        [['posts', 2, 'author', 'secret'], 'FORBIDDEN'],
        [['posts', 4, 'author', 'secret'], 'FORBIDDEN'],
      ]);
    } finally {
      await server.stop();
    }
  });
});
