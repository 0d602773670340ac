import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { InternalTokenCache, verifyInternalToken } from '@peerlink/platform/auth/internal-token';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { SubgraphClient } from '@peerlink/gateway/subgraph-client';

const keys = generateKeyPairSync('ed25519');
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** A subgraph that holds every request until released, and answers each with who asked. */
async function holdingSubgraph() {
  const held: (() => void)[] = [];
  const seen: { body: string; userId?: string }[] = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      const identity = await verifyInternalToken(
        keys.publicKey,
        req.headers['x-peerlink-internal'] as string,
        'social',
      );
      seen.push({ body, userId: identity?.viewer?.userId });
      held.push(() => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { me: { id: identity?.viewer?.userId ?? null } } }));
      });
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const release = () => {
    for (const answer of held.splice(0)) answer();
  };
  return { url, seen, release };
}

const viewer = (userId: string) => ({ userId, sessionId: `s-${userId}`, roles: [] });
/** `startedAt`: when the caller's operation began; by default before any request here was sent. */
const call = (client: SubgraphClient, query: string, userId: string, requestId = 'r1', startedAt = 0) =>
  client.process({
    kind: 'health check' as never,
    request: { query, variables: { a: 1 } },
    context: { viewer: viewer(userId), client: { ip: '10.0.0.1' }, requestId, startedAt },
  });

function clientFor(url: string) {
  let merged = 0;
  const client = new SubgraphClient('social', url, new InternalTokenCache(keys.privateKey), {
    timeoutMs: 5_000,
    maxSockets: 8,
    onMerged: () => merged++,
  });
  return { client, merged: () => merged };
}

describe('SubgraphClient', () => {
  it('sends two identical queries from the same caller once, and each gets its own copy of the answer', async () => {
    const subgraph = await holdingSubgraph();
    const { client, merged } = clientFor(subgraph.url);
    const first = call(client, 'query Q { me { id } }', 'u1', 'r1');
    const second = call(client, 'query Q { me { id } }', 'u1', 'r2');
    await waitFor(
      'the first query at the subgraph and the second merged',
      () => subgraph.seen.length === 1 && merged() === 1,
      5_000,
    );
    subgraph.release();
    const [a, b] = await Promise.all([first, second]);
    expect(a).toEqual({ data: { me: { id: 'u1' } } });
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    expect(subgraph.seen).toHaveLength(1);
  });

  it('never answers an operation with a request sent before it began, which may hold an older state', async () => {
    const subgraph = await holdingSubgraph();
    const { client, merged } = clientFor(subgraph.url);
    const first = call(client, 'query Q { me { id } }', 'u1', 'r1');
    await waitFor('the first query at the subgraph', () => subgraph.seen.length === 1, 5_000);
    const later = call(client, 'query Q { me { id } }', 'u1', 'r2', performance.now());
    await waitFor('the later query at the subgraph too', () => subgraph.seen.length === 2, 5_000);
    subgraph.release();
    await Promise.all([first, later]);
    expect(merged()).toBe(0);
  });

  it('never merges the same query from two viewers', async () => {
    const subgraph = await holdingSubgraph();
    const { client, merged } = clientFor(subgraph.url);
    const answers = Promise.all([call(client, '{ me { id } }', 'u1'), call(client, '{ me { id } }', 'u2')]);
    await waitFor('both queries at the subgraph', () => subgraph.seen.length === 2, 5_000);
    subgraph.release();
    expect((await answers).map((r) => r.data?.me.id)).toEqual(['u1', 'u2']);
    expect(merged()).toBe(0);
  });

  it('never merges mutations, nor queries with different variables or text', async () => {
    const subgraph = await holdingSubgraph();
    const { client, merged } = clientFor(subgraph.url);
    const answers = Promise.all([
      call(client, 'mutation M { like }', 'u1'),
      call(client, 'mutation M { like }', 'u1'),
      call(client, '{ me { id } }', 'u1'),
      call(client, '{ me { id name } }', 'u1'),
    ]);
    await waitFor('all four at the subgraph', () => subgraph.seen.length === 4, 5_000);
    subgraph.release();
    await answers;
    expect(merged()).toBe(0);
  });

  it('sends a query again once the identical one before it has been answered', async () => {
    const subgraph = await holdingSubgraph();
    const { client } = clientFor(subgraph.url);
    const first = call(client, '{ me { id } }', 'u1');
    await waitFor('the first query at the subgraph', () => subgraph.seen.length === 1, 5_000);
    subgraph.release();
    await first;
    const second = call(client, '{ me { id } }', 'u1');
    await waitFor('the second query at the subgraph', () => subgraph.seen.length === 2, 5_000);
    subgraph.release();
    expect(await second).toEqual({ data: { me: { id: 'u1' } } });
  });
});
