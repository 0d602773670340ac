import type { RunningGateway } from '@peerlink/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BecomeSellerDocument, LoginDocument } from './generated/graphql.js';
import { ok } from './support/client.js';
import { secondGateway } from './support/second-gateway.js';
import { member, post, type Member } from './support/social.js';
import { startTestStack, type TestStack } from './support/stack.js';
import { TcpProxy } from './support/tcp-proxy.js';

// Every subgraph reached through a hop the test can cut: a real outage for the gateway (connections
// refused), while the stack's own subgraphs keep running for the next case.
let t: TestStack;
let gateway: RunningGateway;
let viewer: Member;
const proxies = new Map<string, TcpProxy>();
beforeAll(async () => {
  t = await startTestStack();
  const replaced: Record<string, string> = {};
  for (const subgraph of t.stack.subgraphs) {
    const address = new URL(subgraph.url);
    const proxy = new TcpProxy({ host: address.hostname, port: Number(address.port) });
    replaced[subgraph.name] = `http://127.0.0.1:${await proxy.start()}${address.pathname}`;
    proxies.set(subgraph.name, proxy);
  }
  gateway = await secondGateway(t, replaced);
  viewer = await member(t, 'outage');
  // A seller, so the analytics case has a report to read; signed in again for a token that says so.
  await ok(t.url, BecomeSellerDocument, {}, viewer.token);
  const { login } = await ok(t.url, LoginDocument, { input: { login: viewer.username, password: viewer.password } });
  viewer = { ...viewer, token: login.accessToken };
  await post(t, viewer, 'still here while identity is down');
});
afterAll(async () => {
  await gateway?.stop();
  for (const proxy of proxies.values()) await proxy.stop();
  await t?.stop();
});

const ask = async (query: string) => {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${viewer.token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()) as {
    data: any;
    errors?: { path?: (string | number)[]; extensions?: { code?: string } }[];
  };
};

/** For each subgraph: a query across it and others, what the others still answer, and where its part was. */
const cases: {
  subgraph: string;
  query: string;
  answered: (data: any) => unknown;
  expected: unknown;
  missing: (string | number)[][];
}[] = [
  {
    subgraph: 'notifications',
    query: '{ me { id } unreadNotificationCount }',
    answered: (data) => ({ me: data.me, unreadNotificationCount: data.unreadNotificationCount }),
    expected: { me: { id: expect.any(String) }, unreadNotificationCount: null },
    missing: [['unreadNotificationCount']],
  },
  {
    subgraph: 'identity',
    // The author's createdAt only identity knows (social keeps usernames): the author is what is lost.
    query:
      '{ me { id } unreadNotificationCount feed(first: 1) { edges { node { body author { username createdAt } } } } }',
    answered: (data) => ({ me: data.me, count: data.unreadNotificationCount, first: data.feed.edges[0].node }),
    expected: {
      me: null,
      count: expect.any(Number),
      first: { body: 'still here while identity is down', author: null },
    },
    missing: [['me'], ['feed', 'edges', 0, 'node', 'author']],
  },
  {
    subgraph: 'social',
    query: '{ me { id username posts(first: 1) { edges { node { id } } } } }',
    answered: (data) => data.me,
    expected: { id: expect.any(String), username: expect.any(String), posts: null },
    missing: [['me', 'posts']],
  },
  {
    subgraph: 'marketplace',
    query: '{ me { id products(first: 1) { edges { node { id } } } } }',
    answered: (data) => data.me,
    expected: { id: expect.any(String), products: null },
    missing: [['me', 'products']],
  },
  {
    subgraph: 'chat',
    query: '{ me { id } conversations(first: 1) { edges { node { id } } } }',
    answered: (data) => data,
    expected: { me: { id: expect.any(String) }, conversations: null },
    missing: [['conversations']],
  },
  {
    subgraph: 'drive',
    query: '{ me { id } storageUsage { usedBytes } }',
    answered: (data) => data,
    expected: { me: { id: expect.any(String) }, storageUsage: null },
    missing: [['storageUsage']],
  },
  {
    subgraph: 'payments',
    query: '{ me { id } plans { id } }',
    answered: (data) => data,
    expected: { me: { id: expect.any(String) }, plans: null },
    missing: [['plans']],
  },
  {
    subgraph: 'learning',
    query: '{ me { id } courses { edges { cursor } } }',
    answered: (data) => data,
    expected: { me: { id: expect.any(String) }, courses: null },
    missing: [['courses']],
  },
  {
    subgraph: 'live-sessions',
    query: '{ me { id } liveSessions { edges { cursor } } }',
    answered: (data) => data,
    expected: { me: { id: expect.any(String) }, liveSessions: null },
    missing: [['liveSessions']],
  },
  {
    subgraph: 'assistant',
    query: '{ me { id } assistantThreads { edges { cursor } } }',
    answered: (data) => data,
    expected: { me: { id: expect.any(String) }, assistantThreads: null },
    missing: [['assistantThreads']],
  },
  {
    subgraph: 'analytics',
    query: '{ me { id } sellerReport(period: { from: "2026-12-01", to: "2026-12-01" }) { sellerId } }',
    answered: (data) => data,
    expected: { me: { id: expect.any(String) }, sellerReport: null },
    missing: [['sellerReport']],
  },
];

describe('one subgraph down', () => {
  it('covers every subgraph', () => {
    expect(cases.map((c) => c.subgraph).sort()).toEqual([...proxies.keys()].sort());
  });

  for (const { subgraph, query, answered, expected, missing } of cases) {
    it(`${subgraph}: the others still answer, and its fields say SERVICE_UNAVAILABLE at their path`, async () => {
      const before = await ask(query);
      expect(before.errors).toBeUndefined();
      const proxy = proxies.get(subgraph)!;
      await proxy.cut();
      try {
        const during = await ask(query);
        expect(during.data, JSON.stringify(during)).not.toBeNull();
        expect(answered(during.data)).toEqual(expected);
        // One error per missing field, at its path, and nothing else.
        expect(during.errors?.map((e) => ({ code: e.extensions?.code, path: e.path }))).toEqual(
          missing.map((path) => ({ code: 'SERVICE_UNAVAILABLE', path })),
        );
      } finally {
        await proxy.start();
      }
      expect((await ask(query)).errors).toBeUndefined();
    });
  }

  it('a mutation to a subgraph that is down answers its field null, with SERVICE_UNAVAILABLE at its path', async () => {
    const proxy = proxies.get('notifications')!;
    await proxy.cut();
    try {
      const during = await ask('mutation { markAllNotificationsRead }');
      expect(during).toEqual({
        data: { markAllNotificationsRead: null },
        errors: [
          expect.objectContaining({ path: ['markAllNotificationsRead'], extensions: { code: 'SERVICE_UNAVAILABLE' } }),
        ],
      });
    } finally {
      await proxy.start();
    }
  });
});
