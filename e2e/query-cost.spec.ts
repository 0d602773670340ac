import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningGateway } from '@peerlink/gateway';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { Subscription, wsClient } from './support/client.js';
import { secondGateway } from './support/second-gateway.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

/** Issue 13, defect 2: one anonymous 192-character query made marketplace build 125,000 nodes. */
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({}, { captureLogs: true });
});
afterAll(async () => {
  await t?.stop();
});

const ISSUE_QUERY =
  '{ products(first: 50) { edges { node { seller { products(first: 50) { edges { node { seller { ' +
  'products(first: 50) { edges { node { id title } } } } } } } } } } } }';

type Answer = {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions: { code: string; cost?: number; limit?: number } }[] };
};

async function post(query: string, requestId: string, variables?: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': requestId },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/** The subgraphs that logged answering this request id. */
const subgraphsCalled = (requestId: string) =>
  t.logs
    .filter((line) => line.requestId === requestId && line.subgraph && line.msg === 'graphql request')
    .map((line) => line.subgraph);

describe('query cost limit', () => {
  it('refuses the issue’s query with QUERY_TOO_COSTLY, its cost and the limit, before any subgraph is called', async () => {
    expect(ISSUE_QUERY.length).toBeLessThan(200);
    const requestId = `costly-${Date.now()}`;
    const { status, body } = await post(ISSUE_QUERY, requestId);
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    const error = body.errors![0]!;
    expect(error.extensions.code).toBe('QUERY_TOO_COSTLY');
    expect(error.extensions.limit).toBe(10_000);
    expect(error.extensions.cost).toBeGreaterThan(125_000);
    expect(error.message).toMatch(/the limit is 10000/);

    // A request that is let through is logged by the subgraph it calls, so the absence below means something.
    const allowedId = `allowed-${Date.now()}`;
    const allowed = await post(
      '{ products(first: 20) { edges { node { id title seller { id } } } pageInfo { hasNextPage } } }',
      allowedId,
    );
    expect(allowed.body.errors).toBeUndefined();
    await waitFor('marketplace to log the allowed request', () => subgraphsCalled(allowedId).includes('marketplace'));
    expect(subgraphsCalled(requestId)).toEqual([]);
  });

  it('reads page sizes from variables: the same nested lists pass with small pages and not with large ones', async () => {
    const nested =
      'query Nested($n: Int) { products(first: $n) { edges { node { seller { products(first: $n) { edges { ' +
      'node { id } } } } } } } }';
    expect((await post(nested, `small-${Date.now()}`, { n: 5 })).body.errors).toBeUndefined();
    const large = await post(nested, `large-${Date.now()}`, { n: 100 });
    expect(large.status).toBe(400);
    expect(large.body.errors?.map((e) => e.extensions.code)).toEqual(['QUERY_TOO_COSTLY']);
  });

  it('caps directives per operation, counted where fragments are spread', async () => {
    // Aliases have their own cap (30): the directives ride in a fragment spread twice instead.
    const document = (count: number) =>
      `{ products(first: 1) { edges { node { ...A ...A } } } } fragment A on Product { ` +
      `${Array.from({ length: count }, () => 'id @include(if: true)').join(' ')} }`;
    expect((await post(document(25), `directives-ok-${Date.now()}`)).body.errors).toBeUndefined();
    const refused = await post(document(26), `directives-${Date.now()}`);
    expect(refused.body.errors?.[0]?.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(refused.body.errors?.[0]?.message).toMatch(/52 directives; the limit is 50/);
  });

  it('applies the same limit to operations sent over WebSocket', async () => {
    const client = wsClient(t.url);
    const subscription = new Subscription(client, parse(ISSUE_QUERY));
    const error = await waitFor(
      'the refusal',
      () => subscription.error as { extensions?: { code?: string; limit?: number } }[] | undefined,
    );
    expect(error[0]?.extensions).toMatchObject({ code: 'QUERY_TOO_COSTLY', limit: 10_000 });
    await client.dispose();
  });
});

describe('work nobody waits for', () => {
  /** A second gateway whose identity subgraph never answers: it records each call and whether its caller hung up. */
  let gateway: RunningGateway;
  let silent: Server;
  const calls: { headers: IncomingHttpHeaders; dropped: boolean }[] = [];
  beforeAll(async () => {
    silent = createServer((req, res) => {
      const call = { headers: req.headers, dropped: false };
      calls.push(call);
      res.on('close', () => (call.dropped = !res.writableFinished));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    gateway = await secondGateway(t, {
      identity: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/graphql`,
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    silent?.closeAllConnections();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it('drops the subgraph call when the client goes away, and tells the subgraph how long it would have waited', async () => {
    const user = await signUp(t, 'gone');
    const client = new AbortController();
    const answer = fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${user.token}` },
      body: JSON.stringify({ query: '{ me { id username } }' }),
      signal: client.signal,
    }).catch((error: Error) => error);
    const call = await waitFor('the gateway to call identity', () => calls.at(-1));
    const timeLeft = Number(call.headers['x-time-left-ms']);
    expect(timeLeft).toBeGreaterThan(0);
    expect(timeLeft).toBeLessThanOrEqual(t.stack.infrastructure.config.UPSTREAM_TIMEOUT_MS);
    expect(call.dropped).toBe(false);
    client.abort();
    expect(await answer).toBeInstanceOf(Error);
    // Well before the gateway's own deadline (10 s): the call is dropped because the client left.
    await waitFor('the gateway to drop its call', () => call.dropped, 5_000);
  });

  it('bounds every statement a subgraph runs by DATABASE_STATEMENT_TIMEOUT_MS', async () => {
    const marketplace = t.stack.subgraphs.find((s) => s.name === 'marketplace')!;
    const [setting] = await marketplace.orm.em
      .fork()
      .getConnection()
      .execute<{ statement_timeout: string }[]>('show statement_timeout');
    expect(setting!.statement_timeout).toBe('15s');
  });
});
