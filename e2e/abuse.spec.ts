import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  GrantRoleDocument,
  LoginDocument,
  RegisterDocument,
  RequestPasswordResetDocument,
  ResetPasswordDocument,
  RevokeRoleDocument,
  UpdateProfileDocument,
  UserByUsernameDocument,
} from './generated/graphql.js';
import { tokenFrom } from './support/mailbox.js';
import { codes, ok, request } from './support/client.js';
import { makeAdmin, newUser, signUp as signUpAt, startTestStack, type TestStack } from './support/stack.js';

/** What attackers and unlucky timing try: each case once caused a wrong answer or a 500. */
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack({ MAX_QUERY_ALIASES: '3' });
});
afterAll(async () => {
  await t?.stop();
});

const signUp = (prefix = 'abuse') => signUpAt(t, prefix);

const login = async (username: string, password: string) =>
  (await ok(t.url, LoginDocument, { input: { login: username, password } })).login.accessToken;

describe('abuse and races', () => {
  it('counts introspection against the query limits', async () => {
    const bomb = `{ ${['a', 'b', 'c', 'd'].map((alias) => `${alias}: __schema { types { name } }`).join(' ')} }`;
    const response = await fetch(t.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: bomb }),
    });
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(body.errors[0]!.message).toMatch(/aliases/);
  });

  it('does not let a demoted admin act on the roles still in their token', async () => {
    const first = await signUp('boss');
    const second = await signUp('boss');
    await makeAdmin(t, first.username);
    await makeAdmin(t, second.username);
    const firstToken = await login(first.username, first.password);
    const secondToken = await login(second.username, second.password);

    await ok(t.url, RevokeRoleDocument, { userId: first.id, role: 'ADMIN' }, secondToken);
    // The first admin's token still says ADMIN, but the database no longer does.
    expect(await codes(t.url, GrantRoleDocument, { userId: first.id, role: 'ADMIN' }, firstToken)).toEqual([
      'FORBIDDEN',
    ]);
    expect(await codes(t.url, RevokeRoleDocument, { userId: second.id, role: 'ADMIN' }, firstToken)).toEqual([
      'FORBIDDEN',
    ]);
  });

  it('answers simultaneous sign-ups with one email with one account and CONFLICT for the rest', async () => {
    const input = newUser('race');
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        request(t.url, RegisterDocument, { input: { ...input, username: `${input.username.slice(0, 26)}x${i}` } }),
      ),
    );
    const outcomes = results.map((r) => (r.data?.register ? 'ok' : String(r.errors?.[0]?.extensions?.code)));
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(1);
    expect(outcomes.filter((o) => o !== 'ok').every((o) => o === 'CONFLICT')).toBe(true);
  });

  it('refuses control characters as bad input instead of failing in the database', async () => {
    const input = newUser('nul');
    expect(await codes(t.url, RegisterDocument, { input: { ...input, displayName: 'Null\u0000Byte' } })).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(
      await codes(t.url, LoginDocument, { input: { login: 'nul\u0000l', password: 'whatever password' } }),
    ).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, RequestPasswordResetDocument, { email: 'a\u0000@example.com' })).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, UserByUsernameDocument, { username: 'x\u0000y' })).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(t.url, LoginDocument, { input: { login: 'x'.repeat(10_000), password: 'whatever password' } }),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('redeems a password reset token once even when two requests race', async () => {
    const user = await signUp('reset');
    await ok(t.url, RequestPasswordResetDocument, { email: user.email });
    const token = tokenFrom(await t.mailbox.waitFor(user.email, /Reset your PeerLink password/));
    const results = await Promise.all(
      ['first racing passphrase', 'second racing passphrase'].map((newPassword) =>
        request(t.url, ResetPasswordDocument, { token, newPassword }),
      ),
    );
    expect(results.filter((r) => r.data?.resetPassword === true)).toHaveLength(1);
    expect(results.filter((r) => r.errors?.[0]?.extensions?.code === 'BAD_USER_INPUT')).toHaveLength(1);
  });

  it('keeps the newest account facts when identity events arrive out of order', async () => {
    // Registration and the first profile change are consumed independently; whichever lands last,
    // notifications must end up with the new display name (it greets the user in emails).
    const user = await signUp('order');
    const renamed = `Renamed ${user.username}`.slice(0, 60);
    await ok(t.url, UpdateProfileDocument, { input: { displayName: renamed } }, user.token);
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      await waitFor('the renamed recipient', async () => {
        const { rows } = await db.query('select display_name from notifications.recipients where user_id = $1', [
          user.id,
        ]);
        return rows[0]?.display_name === renamed;
      });
    } finally {
      await db.end();
    }
  });
});
