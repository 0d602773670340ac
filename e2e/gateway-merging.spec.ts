import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningGateway } from '@peerlink/gateway';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeDocument, UpdateProfileDocument } from './generated/graphql.js';
import { request } from './support/client.js';
import { forwardedHeaders, secondGateway } from './support/second-gateway.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

/**
 * A second gateway whose identity subgraph sits behind a proxy that counts what reaches it and holds
 * it until the test lets go: two calls are concurrent at the subgraph for as long as the test needs.
 */
let t: TestStack;
let gateway: RunningGateway;
let proxy: Server;
const arrived: { operation: string; body: string }[] = [];
const held: (() => void)[] = [];
let holding = false;

beforeAll(async () => {
  t = await startTestStack();
  const identityUrl = t.stack.subgraphs.find((s) => s.name === 'identity')!.url;
  proxy = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const operation = String(JSON.parse(body).operationName ?? '');
      arrived.push({ operation, body });
      const forward = async () => {
        const headers = forwardedHeaders(req);
        const answer = await fetch(identityUrl, { method: 'POST', headers, body });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(await answer.text());
      };
      if (holding) held.push(() => void forward());
      else void forward();
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  gateway = await secondGateway(t, { identity: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql` });
});
afterAll(async () => {
  await gateway?.stop();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await t?.stop();
});

const reached = (prefix: string) => arrived.filter((a) => a.operation.startsWith(prefix)).length;
const merged = async () => {
  const text = await (await fetch(gateway.url.replace('/graphql', '/metrics'))).text();
  return Number(/peerlink_gateway_subgraph_requests_merged_total\{subgraph="identity"\} (\d+)/.exec(text)?.[1] ?? 0);
};

/** Runs `send` with the identity subgraph held until `ready` holds, then lets everything through. */
async function whileHeld<T>(send: () => Promise<T>, what: string, ready: () => Promise<boolean> | boolean): Promise<T> {
  arrived.length = 0;
  holding = true;
  const answers = send();
  try {
    await waitFor(what, ready, 10_000);
  } finally {
    holding = false;
    for (const go of held.splice(0)) go();
  }
  return answers;
}

describe('identical in-flight subgraph queries', () => {
  it('two concurrent identical queries from one viewer reach the subgraph once, and both are answered', async () => {
    const user = await signUp(t, 'merge');
    // A query joins only a call sent after it began (an older one may have read the state before a
    // change this caller saw), so on a busy machine the second may begin too late to join: then
    // both go, which is right too. Each round must be answered correctly; within a few, one merges.
    let rounds = 0;
    for (let joined = false; !joined; ) {
      rounds += 1;
      const before = await merged();
      const [a, b] = await whileHeld(
        () =>
          Promise.all([
            request(gateway.url, MeDocument, {}, { token: user.token }),
            request(gateway.url, MeDocument, {}, { token: user.token }),
          ]),
        'the first query at identity and the second merged into it, or both at identity',
        async () => (reached('Me') === 1 && (await merged()) > before) || reached('Me') >= 2,
      );
      for (const answer of [a, b]) {
        expect(answer.errors).toBeUndefined();
        expect(answer.data?.me?.id).toBe(user.id);
      }
      joined = reached('Me') === 1;
      if (!joined) expect(reached('Me'), `round ${rounds}`).toBe(2);
      expect(rounds, 'rounds before two queries merged').toBeLessThanOrEqual(5);
    }
  });

  it('never merges the same query from two viewers: each reaches the subgraph and gets its own answer', async () => {
    const [alice, bob] = [await signUp(t, 'mergea'), await signUp(t, 'mergeb')];
    const before = await merged();
    const [a, b] = await whileHeld(
      () =>
        Promise.all([
          request(gateway.url, MeDocument, {}, { token: alice.token }),
          request(gateway.url, MeDocument, {}, { token: bob.token }),
        ]),
      'both viewers’ queries at identity',
      () => reached('Me') === 2,
    );
    expect([a.data?.me?.username, b.data?.me?.username]).toEqual([alice.username, bob.username]);
    expect(await merged()).toBe(before);
  });

  it('never merges mutations, even identical ones from one viewer', async () => {
    const user = await signUp(t, 'mergem');
    const input = { displayName: 'Merged Never' };
    const answers = await whileHeld(
      () =>
        Promise.all([1, 2].map(() => request(gateway.url, UpdateProfileDocument, { input }, { token: user.token }))),
      'both mutations at identity',
      () => reached('UpdateProfile') === 2,
    );
    expect(answers.map((r) => r.data?.updateProfile?.displayName)).toEqual(['Merged Never', 'Merged Never']);
  });

  it('refuses a token changed after the real one was accepted (the remembered check is for those bytes only)', async () => {
    const user = await signUp(t, 'merget');
    expect((await request(gateway.url, MeDocument, {}, { token: user.token })).data?.me?.id).toBe(user.id);
    const [header, payload, signature] = user.token.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, roles: ['ADMIN'] })).toString('base64url');
    const forged = `${header}.${forgedPayload}.${signature}`;
    const refused = await request(gateway.url, MeDocument, {}, { token: forged });
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await request(gateway.url, MeDocument, {}, { token: user.token })).data?.me?.id).toBe(user.id);
  });
});
