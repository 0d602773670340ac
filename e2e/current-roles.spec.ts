import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import pg from 'pg';
import { ledgerKey } from '@peerlink/platform/auth/role-ledger';
import {
  ArchivePlanDocument,
  ConnectPayoutAccountDocument,
  CreatePlanDocument,
  DeadLettersDocument,
  DeletePostDocument,
  DismissReportsDocument,
  EscalatedReturnRequestsDocument,
  FileDocument,
  GrantRoleDocument,
  LoginDocument,
  OrderDocument,
  PaymentStatusDocument,
  PayoutDocument,
  ReportedPostsDocument,
  ReportPostDocument,
  ResyncAccountsDocument,
  RevokeRoleDocument,
  SendAnnouncementDocument,
  StorageTotalsDocument,
  UserActivityDocument,
  UserByUsernameDocument,
} from './generated/graphql.js';
import { ok, request } from './support/client.js';
import { upload } from './support/drive.js';
import { listed, seller, type Account } from './support/marketplace.js';
import { payoutReaches, soldAndDelivered } from './support/payouts.js';
import { member, post, type Member } from './support/social.js';
import { makeAdmin, signUp, startTestStack, type TestStack, grantRole } from './support/stack.js';

/**
 * Every privileged operation, across subgraphs, checks the roles the account holds now: the gateway
 * reads them from the role ledger on each request, so a revocation is honoured at once, not when the
 * access token expires. Each operation is run by a holder of the role, then by the same token right
 * after the role is revoked through revokeRole, which must be refused exactly like someone who never
 * held it.
 */
let t: TestStack;
let boss: Account;
let target: Account;
let author: Member;
let fixtures: { fileId: string; orderId: string; payoutId: string };

beforeAll(async () => {
  t = await startTestStack();
  boss = await signUp(t, 'boss');
  await makeAdmin(t, boss.username);
  boss.token = await signIn(boss);
  target = await signUp(t, 'target');
  author = await member(t, 'author');
  const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
  await ok(t.url, ConnectPayoutAccountDocument, {}, owner.token);
  const file = await upload(t.url, owner.token, 'private.txt', Buffer.from('for the owner only'));
  const order = await soldAndDelivered(t, owner, buyer, (await listed(t, owner)).id);
  const payout = await payoutReaches(t, owner, order.id, 'PAID');
  fixtures = { fileId: file.id, orderId: order.id, payoutId: payout.id };
}, 60_000);
afterAll(async () => {
  await t?.stop();
});

/**
 * 'OK' when the operation did what only the role allows; otherwise its error codes, or WITHHELD for a field left null.
 */
async function outcome<T, V>(
  document: TypedDocumentNode<T, V>,
  variables: V,
  token: string,
  granted: (data: T) => boolean = () => true,
) {
  const { data, errors } = await request(t.url, document, variables, { token });
  if (errors?.length) return errors.map((e) => String(e.extensions?.code)).join(',');
  return granted(data as T) ? 'OK' : 'WITHHELD';
}

const planInput = () => ({
  name: `Plan ${randomUUID().slice(0, 8)}`,
  amount: 499,
  currency: 'usd',
  interval: 'MONTH' as const,
});

/** A post by `author`, reported, for a moderation operation to act on. */
async function reportedPost() {
  const reported = await post(t, author, `reported ${randomUUID().slice(0, 8)}`);
  await ok(t.url, ReportPostDocument, { postId: reported.id, reason: 'spam' }, target.token);
  return reported.id;
}

const ADMIN_OPERATIONS: Record<string, (token: string) => Promise<string>> = {
  "identity: another user's activity": (token) => outcome(UserActivityDocument, { userId: target.id, first: 5 }, token),
  "identity: another user's email": (token) =>
    outcome(UserByUsernameDocument, { username: target.username }, token, (d) => d.user?.email === target.email),
  'identity: grantRole': (token) => outcome(GrantRoleDocument, { userId: target.id, role: 'INSTRUCTOR' }, token),
  'identity: revokeRole': (token) => outcome(RevokeRoleDocument, { userId: target.id, role: 'INSTRUCTOR' }, token),
  'identity: resyncAccounts': (token) => outcome(ResyncAccountsDocument, {}, token),
  'notifications: sendAnnouncement': (token) =>
    outcome(SendAnnouncementDocument, { title: 'Hello', body: 'To everyone', idempotencyKey: randomUUID() }, token),
  'notifications: deadLetters': (token) => outcome(DeadLettersDocument, {}, token),
  'payments: createPlan': (token) => outcome(CreatePlanDocument, { input: planInput() }, token),
  'payments: archivePlan': async (token) => {
    const { createPlan } = await ok(t.url, CreatePlanDocument, { input: planInput() }, boss.token);
    return outcome(ArchivePlanDocument, { id: createPlan.id }, token);
  },
  "payments: another seller's payout": (token) => outcome(PayoutDocument, { id: fixtures.payoutId }, token),
  "payments: another buyer's payment": (token) =>
    outcome(PaymentStatusDocument, { orderId: fixtures.orderId }, token, (d) => d.paymentStatus != null),
  "drive: another user's private file": (token) => outcome(FileDocument, { id: fixtures.fileId }, token),
  'drive: storageTotals': (token) => outcome(StorageTotalsDocument, {}, token),
  "marketplace: another buyer's order": (token) => outcome(OrderDocument, { id: fixtures.orderId }, token),
  'marketplace: escalated returns': (token) => outcome(EscalatedReturnRequestsDocument, {}, token),
  'social: reported posts': (token) => outcome(ReportedPostsDocument, { first: 5 }, token),
};

const MODERATOR_OPERATIONS: Record<string, (token: string) => Promise<string>> = {
  'social: reported posts': (token) => outcome(ReportedPostsDocument, { first: 5 }, token),
  'social: dismissReports': async (token) => outcome(DismissReportsDocument, { postId: await reportedPost() }, token),
  "social: delete another's post": async (token) => outcome(DeletePostDocument, { id: await reportedPost() }, token),
};

/** A fresh access token for `account`: it carries the roles they hold now. */
async function signIn(account: { username: string; password: string }) {
  return (await ok(t.url, LoginDocument, { input: { login: account.username, password: account.password } })).login
    .accessToken;
}

async function outcomes(operations: Record<string, (token: string) => Promise<string>>, token: string) {
  const results: Record<string, string> = {};
  for (const [name, run] of Object.entries(operations)) results[name] = await run(token);
  return results;
}

describe('a revoked role is refused at once, whatever the access token says', () => {
  it('for every admin operation in every subgraph', async () => {
    const admin = await signUp(t, 'admin');
    const outsider = await signUp(t, 'outsider');
    await makeAdmin(t, admin.username);
    // Granted after the sign-up token was issued: honoured at once on it too.
    expect(await ADMIN_OPERATIONS['drive: storageTotals']!(admin.token)).toBe('OK');
    // The token under test carries ADMIN, as a demoted admin's does.
    const token = await signIn(admin);
    const granted = await outcomes(ADMIN_OPERATIONS, token);
    expect(granted).toEqual(Object.fromEntries(Object.keys(ADMIN_OPERATIONS).map((name) => [name, 'OK'])));

    const never = await outcomes(ADMIN_OPERATIONS, outsider.token);
    await ok(t.url, RevokeRoleDocument, { userId: admin.id, role: 'ADMIN' }, boss.token);
    const revoked = await outcomes(ADMIN_OPERATIONS, token);
    // Refused exactly as someone who never held the role: FORBIDDEN where a role is asked for,
    // NOT_FOUND or a withheld field where what only admins see is hidden.
    expect(revoked).toEqual(never);
    for (const result of Object.values(revoked)) expect(['FORBIDDEN', 'NOT_FOUND', 'WITHHELD']).toContain(result);
    expect(Object.values(revoked).filter((r) => r === 'FORBIDDEN').length).toBeGreaterThanOrEqual(10);
  });

  it('for every moderator operation', async () => {
    const moderator = await member(t, 'mod');
    const outsider = await member(t, 'plain');
    await grantRole(t, moderator.username, 'MODERATOR');
    const token = await signIn(moderator);
    const granted = await outcomes(MODERATOR_OPERATIONS, token);
    expect(granted).toEqual(Object.fromEntries(Object.keys(MODERATOR_OPERATIONS).map((name) => [name, 'OK'])));

    const never = await outcomes(MODERATOR_OPERATIONS, outsider.token);
    await ok(t.url, RevokeRoleDocument, { userId: moderator.id, role: 'MODERATOR' }, boss.token);
    const revoked = await outcomes(MODERATOR_OPERATIONS, token);
    expect(revoked).toEqual(never);
    expect(Object.values(revoked)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
  });

  it("closes the demoted user's live sockets with 4403, and a new one opened with the old token has no admin rights", async () => {
    const admin = await signUp(t, 'live');
    await makeAdmin(t, admin.username);
    const token = await signIn(admin);
    const socket = await openSocket(token);
    const closed = new Promise<[number, string]>((resolve) =>
      socket.once('close', (code, reason) => resolve([code, String(reason)])),
    );
    socket.send(
      JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { paymentUpdated { id } }' } }),
    );

    await ok(t.url, RevokeRoleDocument, { userId: admin.id, role: 'ADMIN' }, boss.token);
    const [code, reason] = await closed;
    expect(code).toBe(4403);
    expect(reason).toMatch(/roles changed/);

    // Reconnecting with the same token works, as the user they are now.
    const again = await openSocket(token);
    type Errors = { extensions?: { code?: string } }[];
    const answer = new Promise<Errors>((resolve) =>
      again.on('message', (message) => {
        const parsed = JSON.parse(String(message));
        // A `next` carries { data, errors }; an `error` message carries the errors alone.
        if (parsed.id === '2') resolve(Array.isArray(parsed.payload) ? parsed.payload : (parsed.payload?.errors ?? []));
      }),
    );
    again.send(
      JSON.stringify({
        id: '2',
        type: 'subscribe',
        payload: { query: `query Totals { storageTotals { usedBytes } }` },
      }),
    );
    expect((await answer)[0]?.extensions?.code).toBe('FORBIDDEN');
    again.close();
  });

  it('refuses the grant path to the demoted admin too (no grant back to themself)', async () => {
    const admin = await signUp(t, 'selfie');
    await makeAdmin(t, admin.username);
    const token = await signIn(admin);
    await ok(t.url, RevokeRoleDocument, { userId: admin.id, role: 'ADMIN' }, boss.token);
    expect(await outcome(GrantRoleDocument, { userId: admin.id, role: 'ADMIN' }, token)).toBe('FORBIDDEN');
  });
});

describe('the role ledger when it is not told', () => {
  it('a lost entry leaves privileged roles unconfirmed (SERVICE_UNAVAILABLE, not FORBIDDEN) until the user signs in again', async () => {
    const admin = await signUp(t, 'lost');
    await makeAdmin(t, admin.username);
    const token = await signIn(admin);
    await t.stack.infrastructure.cache.delete(ledgerKey(admin.id));
    expect(await outcome(StorageTotalsDocument, {}, token)).toBe('SERVICE_UNAVAILABLE');
    // Ordinary requests are unaffected.
    expect(
      await outcome(UserByUsernameDocument, { username: admin.username }, token, (d) => d.user?.email === admin.email),
    ).toBe('OK');
    // Signing in records the entry again.
    expect(await outcome(StorageTotalsDocument, {}, await signIn(admin))).toBe('OK');
    expect(await outcome(StorageTotalsDocument, {}, token)).toBe('OK');
  });

  it('after a hand edit of identity.users, resyncAccounts brings the ledger in line', async () => {
    const admin = await signUp(t, 'hand');
    await makeAdmin(t, admin.username);
    const token = await signIn(admin);
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      await db.query(`update identity.users set roles = array_remove(roles, 'ADMIN') where id = $1`, [admin.id]);
    } finally {
      await db.end();
    }
    // The README's procedure: the ledger is rewritten from the table.
    await ok(t.url, ResyncAccountsDocument, {}, boss.token);
    expect(await outcome(StorageTotalsDocument, {}, token)).toBe('FORBIDDEN');
  });
});

/** A graphql-ws socket, acknowledged, signed in with `token`. */
async function openSocket(token: string): Promise<WebSocket> {
  const socket = new WebSocket(t.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  await new Promise((resolve) => socket.once('open', resolve));
  const acknowledged = new Promise((resolve) => socket.once('message', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  expect(JSON.parse(String(await acknowledged)).type).toBe('connection_ack');
  return socket;
}
