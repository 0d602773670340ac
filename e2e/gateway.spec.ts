import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, type RunningGateway } from '@peerlink/gateway';
import { issueAccessToken } from '@peerlink/platform/auth/access-token';
import { signInternalToken } from '@peerlink/platform/auth/internal-token';
import { createLogger } from '@peerlink/platform/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import WebSocket from 'ws';
import {
  ChangePasswordDocument,
  MeDocument,
  MeWithNotificationsDocument,
  NotificationAddedDocument,
} from './generated/graphql.js';
import { ok, request, Subscription, wsClient } from './support/client.js';
import { signUp as signUpAt, startTestStack, type TestStack } from './support/stack.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack(
    {
      MAX_QUERY_DEPTH: '4',
      MAX_QUERY_ALIASES: '3',
      MAX_QUERY_FIELDS: '40',
      MAX_BODY_BYTES: '4096',
      RATE_LIMIT_PER_MINUTE: '100',
      MAX_SUBSCRIPTIONS_PER_CONNECTION: '2',
      MAX_CONNECTIONS_PER_ADDRESS: '4',
    },
    { captureLogs: true },
  );
});
afterAll(async () => {
  await t?.stop();
});

const signUp = (prefix = 'gw') => signUpAt(t, prefix);

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
// Response bodies here are GraphQL envelopes whose shape each assertion spells out.
const json = (response: Response): Promise<any> => response.json();

describe('federated queries', () => {
  it('reports nothing to Apollo unless APOLLO_TELEMETRY is set', () => {
    // @apollo/gateway's only switch for its usage metrics (and the cloud-metadata probes behind them).
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
  });

  it('composes one response from two subgraphs', async () => {
    const user = await signUp();
    const data = await waitFor('the welcome notification', async () => {
      const result = await ok(t.url, MeWithNotificationsDocument, {}, user.token);
      return result.notifications.edges.length ? result : null;
    });
    expect(data.me).toEqual({ id: user.id, username: user.username, displayName: user.displayName });
    expect(data.notifications.edges[0]!.node.title).toMatch(/Welcome/);
  });

  it('passes the request id to subgraphs, which log it', async () => {
    const requestId = `test-${Date.now()}`;
    const response = await post(t.url, { query: '{ me { id } }' }, { 'x-request-id': requestId });
    expect(response.headers.get('x-request-id')).toBe(requestId);
    await waitFor('a subgraph log line with the request id', () =>
      t.logs.some((line) => line.subgraph === 'identity' && line.requestId === requestId),
    );
  });
});

describe('authentication', () => {
  it("refuses a request sent straight to a subgraph without the gateway's signature", async () => {
    const identityUrl = t.stack.subgraphs.find((s) => s.name === 'identity')!.url;
    const query = { query: '{ me { id email } }' };
    const admin = {
      viewer: { userId: '00000000-0000-7000-8000-000000000000', sessionId: 'x', roles: ['ADMIN' as const] },
      client: {},
    };
    // Signed with a key that is not the gateway's, and signed by the gateway for another subgraph.
    const forgedClaims = await signInternalToken(generateKeyPairSync('ed25519').privateKey, admin, 'identity');
    const meantForAnother = await signInternalToken(
      t.stack.infrastructure.config.gatewayKeys!.privateKey!,
      admin,
      'notifications',
    );
    const attempts: Record<string, string>[] = [
      {},
      { 'x-peerlink-internal': 'garbage' },
      { 'x-peerlink-internal': forgedClaims },
      { 'x-peerlink-internal': meantForAnother },
      { 'x-user-id': 'someone' },
    ];
    for (const headers of attempts) {
      const response = await post(identityUrl, query, headers);
      expect(response.status).toBe(401);
      expect((await json(response)).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('rejects an invalid or expired access token rather than treating it as anonymous', async () => {
    const user = await signUp();
    const expired = await issueAccessToken(
      t.stack.infrastructure.config.accessTokenKeys!.privateKey!,
      { userId: user.id, sessionId: 's', roles: ['USER'] },
      -60,
    );
    for (const token of ['not-a-jwt', expired.token, user.token.slice(0, -3) + 'abc']) {
      const result = await request(t.url, MeDocument, {}, { token });
      expect(result.status).toBe(401);
      expect(result.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect((await ok(t.url, MeDocument, {}, user.token)).me?.id).toBe(user.id);
    expect((await ok(t.url, MeDocument, {}, undefined, { nullable: true })).me).toBeNull();
  });
});

describe('protection', () => {
  it('limits depth, aliases and field count', async () => {
    const user = await signUp();
    const deep = '{ notifications { edges { node { actor { id } } } } }';
    const aliases = '{ a: me { id } b: me { id } c: me { id } d: me { id } }';
    const wide = `{ me { ${Array.from({ length: 45 }, (_, i) => `f${i}: id`).join(' ')} } }`;
    for (const [query, message] of [
      [deep, /levels deep/],
      [aliases, /aliases/],
      [wide, /fields/],
    ] as const) {
      const response = await post(t.url, { query }, { authorization: `Bearer ${user.token}` });
      const body = await json(response);
      expect(body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(body.errors.map((e: { message: string }) => e.message).join()).toMatch(message);
    }
  });

  it('refuses oversized and malformed bodies with a GraphQL-shaped error', async () => {
    const large = await post(t.url, { query: `{ me { id } }${' '.repeat(5000)}` });
    expect(large.status).toBe(413);
    expect((await json(large)).errors[0].extensions.code).toBe('BAD_REQUEST');
    const malformed = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"query":',
    });
    expect(malformed.status).toBe(400);
    const body = await json(malformed);
    expect(body.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect(JSON.stringify(body)).not.toMatch(/at .*\.js/);
  });

  it('rate-limits a client that sends too many requests', async () => {
    const user = await signUp();
    const statuses: number[] = [];
    for (let i = 0; i < 110; i++)
      statuses.push((await post(t.url, { query: '{ me { id } }' }, { authorization: `Bearer ${user.token}` })).status);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(100);
    const limited = await post(t.url, { query: '{ me { id } }' }, { authorization: `Bearer ${user.token}` });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await json(limited)).errors[0].extensions.code).toBe('RATE_LIMITED');
  });

  it('keeps CSRF prevention on for simple POSTs, and lets GET run queries only (clients.spec has the rest)', async () => {
    const simple = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ me { id } }' }),
    });
    expect(simple.status).toBe(400);
    const query = await fetch(`${t.url}?query=${encodeURIComponent('{ me { id } }')}`);
    expect(query.status).toBe(200);
    const mutation = await fetch(`${t.url}?query=${encodeURIComponent('mutation { logoutEverywhere }')}`);
    expect(mutation.status).toBe(405);
  });

  it('answers a persisted query whose hash does not match with BAD_REQUEST, and logs no error', async () => {
    const query = '{ me { id } }';
    const response = await post(t.url, {
      query,
      extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } },
    });
    expect(response.status).toBe(400);
    expect((await json(response)).errors).toEqual([
      { message: 'provided sha does not match query', extensions: { code: 'BAD_REQUEST' } },
    ]);
    expect(t.logs.filter((line) => line.message === 'provided sha does not match query')).toEqual([]);
  });

  it('serves subscriptions only over WebSocket', async () => {
    const response = await post(t.url, { query: 'subscription { notificationAdded { id } }' });
    expect(response.status).toBe(400);
    expect((await json(response)).errors[0].message).toMatch(/WebSocket/);
  });
});

describe('subscriptions', () => {
  it('closes a connection whose token is invalid', async () => {
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer not-a-token' } }));
    const [code] = await new Promise<[number]>((resolve) => socket.once('close', (c) => resolve([c])));
    expect(code).toBe(4403);
  });

  it('refuses a connection whose authorization is not a string with 4400, not as a server error', async () => {
    for (const authorization of [{ token: 'x' }, { toString: 'x' }, 42, ['Bearer x']]) {
      const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } }));
      const [code, reason] = await new Promise<[number, string]>((resolve) =>
        socket.once('close', (c, r) => resolve([c, String(r)])),
      );
      expect([code, reason]).toEqual([4400, expect.stringMatching(/authorization is a string/)]);
    }
  });

  it('closes a socket when its token expires', async () => {
    const user = await signUp();
    const { config } = t.stack.infrastructure;
    const shortLived = await issueAccessToken(
      config.accessTokenKeys!.privateKey!,
      { userId: user.id, sessionId: 's', roles: ['USER'] },
      2,
    );
    const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const closed = new Promise<[number, string]>((resolve) =>
      socket.once('close', (code, reason) => resolve([code, String(reason)])),
    );
    const received: string[] = [];
    socket.on('message', (message) => received.push(JSON.parse(String(message)).type));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${shortLived.token}` } }));
    const [code, reason] = await closed;
    expect(received).toContain('connection_ack');
    expect(code).toBe(4403);
    expect(reason).toMatch(/expired/);
  });

  it('bounds the sockets one address may hold open', async () => {
    const open = () =>
      new Promise<WebSocket | number>((resolve) => {
        const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
        socket.once('open', () => resolve(socket));
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      });
    const sockets: WebSocket[] = [];
    try {
      for (let i = 0; i < 4; i++) sockets.push((await open()) as WebSocket);
      expect(sockets.every((s) => s instanceof WebSocket)).toBe(true);
      expect(await open()).toBe(401);
    } finally {
      for (const socket of sockets) socket.close();
    }
    // Closed sockets free their places.
    const again = await waitFor('a free place', async () => {
      const result = await open();
      if (typeof result === 'number') return null;
      return result;
    });
    again.close();
  });

  it('refuses an anonymous subscription to a private field', async () => {
    const client = wsClient(t.url);
    const subscription = new Subscription(client, NotificationAddedDocument);
    const error = await waitFor(
      'the refusal',
      () => subscription.error as { extensions?: { code?: string } }[] | undefined,
    );
    expect(error[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await client.dispose();
  });

  it('delivers a notification only to its recipient and bounds subscriptions per connection', async () => {
    const alice = await signUp();
    const bob = await signUp();
    const aliceClient = wsClient(t.url, alice.token);
    const bobClient = wsClient(t.url, bob.token);
    const forAlice = new Subscription(aliceClient, NotificationAddedDocument);
    const forBob = new Subscription(bobClient, NotificationAddedDocument);
    await waitFor(
      'both subscriptions',
      () => t.stack.gateway.live.subscriptionsOf(alice.id) === 1 && t.stack.gateway.live.subscriptionsOf(bob.id) === 1,
    );

    await ok(
      t.url,
      ChangePasswordDocument,
      { currentPassword: alice.password, newPassword: 'brand new passphrase 5' },
      alice.token,
    );
    const security = (results: typeof forAlice.results) =>
      results.filter((r) => r.data?.notificationAdded!.kind === 'SECURITY');
    await waitFor("alice's notification", () => security(forAlice.results).length === 1);
    expect(security(forBob.results)).toHaveLength(0);

    const second = new Subscription(bobClient, NotificationAddedDocument);
    const third = new Subscription(bobClient, NotificationAddedDocument);
    const refusal = await waitFor(
      'the third subscription to be refused',
      () => third.error as { message: string }[] | undefined,
    );
    expect(refusal[0]?.message).toMatch(/At most 2 subscriptions/);
    for (const s of [forAlice, forBob, second]) s.stop();
    await waitFor('subscriptions to end', () => t.stack.gateway.live.subscriptionsOf(bob.id) === 0);
    await aliceClient.dispose();
    await bobClient.dispose();
  });
});

describe('operations endpoints', () => {
  it('reports health, readiness and metrics', async () => {
    const base = t.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await json(await fetch(`${base}/readyz`));
    expect(ready).toMatchObject({
      status: 'ready',
      schemaLoaded: true,
      subgraphs: { identity: 'ok', notifications: 'ok' },
    });
    await post(t.url, { query: 'query MetricsProbe { me { id } }' });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/peerlink_graphql_requests_total\{operation="MetricsProbe",type="query"\} \d+/);
    expect(metrics).toMatch(/peerlink_graphql_request_duration_seconds_bucket\{le="0.005",operation="MetricsProbe"\}/);
    expect(metrics).toMatch(/peerlink_active_subscriptions \d+/);
  });
});

describe('a gateway started on its own', () => {
  let dir: string;
  let gateway: RunningGateway;
  const logs: { msg?: string }[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'peerlink-supergraph-'));
    copyFileSync('schema/supergraph.graphql', join(dir, 'supergraph.graphql'));
    const { config, bus, cache } = t.stack.infrastructure;
    gateway = await startGateway({
      config,
      settings: { ...t.stack.config.gateway, SUPERGRAPH_PATH: join(dir, 'supergraph.graphql'), INTROSPECTION: false },
      logger: createLogger({
        level: 'info',
        service: 'test',
        destination: { write: (line: string) => void logs.push(JSON.parse(line)) },
      }),
      bus,
      cache,
      subgraphUrls: Object.fromEntries(t.stack.subgraphs.map((s) => [s.name, s.url])),
      port: 0,
      host: '127.0.0.1',
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('can switch introspection off', async () => {
    const body = await json(await post(gateway.url, { query: '{ __schema { queryType { name } } }' }));
    expect(body.errors[0].message).toMatch(/introspection/i);
    expect(
      (await json(await post(t.url, { query: '{ __schema { queryType { name } } }' }))).data.__schema.queryType.name,
    ).toBe('Query');
  });

  it('names no field, type or enum value the client did not ask for, over HTTP and WebSocket', async () => {
    const misspelt = '{ me { emial } }';
    const enumVariable = {
      query:
        'mutation M($interval: PlanInterval!) { createPlan(input: { name: "x", amount: 100, currency: "usd", ' +
        'interval: $interval }) { id } }',
      variables: { interval: 'MONT' },
    };
    // With introspection on, graphql-js's hints are a help; off, they would give the schema away.
    expect((await json(await post(t.url, { query: misspelt }))).errors[0].message).toMatch(/Did you mean "email"\?/);
    expect((await json(await post(t.url, enumVariable))).errors[0].message).toMatch(
      /Did you mean the enum value "MONTH"\?/,
    );
    for (const body of [
      await json(await post(gateway.url, { query: misspelt })),
      await json(await post(gateway.url, enumVariable)),
    ]) {
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0].message).not.toMatch(/Did you mean|email|MONTH/);
    }
    // Nor which internal service answered.
    const signedOut = '{ unreadNotificationCount }';
    expect((await json(await post(t.url, { query: signedOut }))).errors[0].extensions.serviceName).toBe(
      'notifications',
    );
    const hidden = (await json(await post(gateway.url, { query: signedOut }))).errors[0].extensions;
    expect(hidden.code).toBe('UNAUTHENTICATED');
    expect(hidden).not.toHaveProperty('serviceName');
    const client = wsClient(gateway.url);
    const watch = new Subscription(client, parse('subscription { notificationAdded { titel } }') as never);
    const refusal = await waitFor('the refusal', () => watch.error as { message: string }[] | undefined);
    expect(refusal.map((e) => e.message)).toEqual([
      expect.stringMatching(/^Cannot query field "titel" on type "Notification"\.$/),
    ]);
    await client.dispose();
  });

  it('reloads the supergraph file when it changes, and keeps the old one when the new one is broken', async () => {
    const file = join(dir, 'supergraph.graphql');
    const original = readFileSync(file, 'utf8');
    expect(
      (await json(await post(gateway.url, { query: '{ unreadNotificationCount }' }))).errors[0].extensions.code,
    ).toBe('UNAUTHENTICATED');

    // A supergraph without the unreadNotificationCount field: queries for it stop validating.
    writeFileSync(file, original.replace(/^\s*unreadNotificationCount: Int\b.*$/m, ''));
    await waitFor('the new schema', async () => {
      const body = await json(await post(gateway.url, { query: '{ unreadNotificationCount }' }));
      return body.errors?.[0]?.extensions?.code === 'GRAPHQL_VALIDATION_FAILED';
    });

    writeFileSync(file, 'this is not a supergraph');
    await waitFor('the broken file to be rejected', () =>
      logs.some((line) => line.msg?.includes('new supergraph rejected')),
    );
    expect(
      (await json(await post(gateway.url, { query: '{ unreadNotificationCount }' }))).errors[0].extensions.code,
    ).toBe('GRAPHQL_VALIDATION_FAILED');

    writeFileSync(file, original);
    await waitFor('the original schema again', async () => {
      const body = await json(await post(gateway.url, { query: '{ unreadNotificationCount }' }));
      return body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED';
    });
  });
});

describe('a subgraph that does not answer', () => {
  it('gives clients SERVICE_UNAVAILABLE, whether it is down or too slow', async () => {
    // One "identity" that accepts connections and never answers, and a closed port for the other.
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/graphql`;
    const { config, bus, cache } = t.stack.infrastructure;
    const subgraphUrls = Object.fromEntries(t.stack.subgraphs.map((s) => [s.name, s.url]));
    const start = (identityUrl: string) =>
      startGateway({
        config: { ...config, UPSTREAM_TIMEOUT_MS: 300 },
        settings: t.stack.config.gateway,
        logger: createLogger({ level: 'silent', service: 'test' }),
        bus,
        cache,
        subgraphUrls: { ...subgraphUrls, identity: identityUrl },
        port: 0,
        host: '127.0.0.1',
      });
    const gateways = await Promise.all([start(silentUrl), start('http://127.0.0.1:1/graphql')]);
    try {
      for (const gateway of gateways) {
        const body = await json(await post(gateway.url, { query: '{ user(username: "nobody") { id } }' }));
        expect(body.errors).toEqual([
          expect.objectContaining({
            message: expect.stringMatching(/did not answer/),
            extensions: { code: 'SERVICE_UNAVAILABLE' },
          }),
        ]);
      }
    } finally {
      await Promise.all(gateways.map((g) => g.stop()));
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
