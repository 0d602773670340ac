import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { issueAccessToken } from '@peerlink/platform/auth/access-token';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BecomeInstructorDocument,
  BecomeSellerDocument,
  ChangePasswordDocument,
  GrantRoleDocument,
  LoginDocument,
  LogoutDocument,
  LogoutEverywhereDocument,
  MeDocument,
  MyActivityDocument,
  RefreshSessionDocument,
  RegisterDocument,
  RequestEmailVerificationDocument,
  RequestPasswordResetDocument,
  RequestPhoneVerificationDocument,
  ResetPasswordDocument,
  RevokeRoleDocument,
  UpdateProfileDocument,
  UserActivityDocument,
  UserByUsernameDocument,
  VerifyEmailDocument,
  VerifyPhoneDocument,
} from './generated/graphql.js';
import { answeredData, ok, request, type Answered } from './support/client.js';
import { tokenFrom } from './support/mailbox.js';
import { makeAdmin, newUser, startTestStack, type TestStack } from './support/stack.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';

const CONFIRM_EMAIL = /Confirm your email address/;
const RESET_PASSWORD = /Reset your PeerLink password/;
const NEW_PASSWORD = 'a different passphrase 99';

type Account = ReturnType<typeof newUser> & { id: string; accessToken: string; refreshToken: string };
type Caller = { accessToken: string } | undefined;

let t: TestStack;
let sms: SmsGateway;
let db: pg.Pool;
let admin: Account;

beforeAll(async () => {
  sms = await startSmsGateway();
  t = await startTestStack({ SMS_WEBHOOK_URL: sms.url });
  db = new pg.Pool({ connectionString: t.databaseUrl, max: 2 });
  const account = await signUp('admin');
  await makeAdmin(t, account.username);
  admin = await signIn(account);
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
  await sms?.close();
});

// --- Calls -----------------------------------------------------------------------------------

/** A call that must succeed, made by `caller` (anonymous when undefined). */
function call<T, V>(document: TypedDocumentNode<T, V>, variables: V, caller?: Caller): Promise<Answered<T>> {
  return ok(t.url, document, variables, caller?.accessToken);
}

/** A call that must fail with exactly one error of `code`, which must not leak a stack trace. */
async function fails<T, V>(
  code: string,
  document: TypedDocumentNode<T, V>,
  variables: V,
  caller?: Caller,
  headers?: Record<string, string>,
) {
  const { data, errors = [] } = await request(t.url, document, variables, { token: caller?.accessToken, headers });
  expect(
    errors.map((e) => e.extensions?.code),
    JSON.stringify(errors),
  ).toEqual([code]);
  expect(errors[0]!.extensions).not.toHaveProperty('stacktrace');
  expect(errors[0]!.extensions).not.toHaveProperty('exception');
  expect(answeredData(data)).toBeNull();
  return errors[0]!;
}

async function signUp(prefix = 'user'): Promise<Account> {
  const input = newUser(prefix);
  const { register } = await call(RegisterDocument, { input });
  return { ...input, id: register!.user.id, accessToken: register!.accessToken, refreshToken: register!.refreshToken };
}

/** A further session for the account, as from another device. */
async function signIn(account: Account, password = account.password): Promise<Account> {
  const { login } = await call(LoginDocument, { input: { login: account.username, password } });
  return { ...account, accessToken: login!.accessToken, refreshToken: login!.refreshToken };
}

const refresh = (refreshToken: string) => call(RefreshSessionDocument, { refreshToken }).then((r) => r.refreshSession);
const refreshFails = (refreshToken: string) => fails('UNAUTHENTICATED', RefreshSessionDocument, { refreshToken });
const me = (caller: Caller) => call(MeDocument, {}, caller).then((r) => r.me);
const profileOf = (username: string, caller?: Caller) =>
  call(UserByUsernameDocument, { username }, caller).then((r) => r.user);
const activityKinds = (caller: Caller) =>
  call(MyActivityDocument, { first: 100 }, caller).then((r) => r.myActivity!.edges.map((e) => e.node.kind));
const rolesInToken = (accessToken: string): string[] =>
  JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()).roles;

// --- Out-of-band channels and direct database access ----------------------------------------

/** The token of the `nth` (1-based) email to `to` whose subject matches. */
async function mailedToken(to: string, subject: RegExp, nth = 1): Promise<string> {
  await waitFor(`mail #${nth} to ${to}`, () => t.mailbox.count(to, subject) >= nth);
  return tokenFrom(t.mailbox.messages.filter((m) => m.to === to && subject.test(m.subject))[nth - 1]!);
}

type SmsGateway = Awaited<ReturnType<typeof startSmsGateway>>;

/** A stand-in SMS provider: the stack's WebhookSms adapter posts `{ to, text }` JSON here. */
async function startSmsGateway() {
  const messages: { to: string; text: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      messages.push(JSON.parse(body));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`,
    messages,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The six-digit code in the `nth` (1-based) text to `phone`. */
async function textedCode(phone: string, nth = 1): Promise<string> {
  const texts = await waitFor(`text #${nth} to ${phone}`, () => {
    const found = sms.messages.filter((m) => m.to === phone);
    return found.length >= nth ? found : null;
  });
  return /\b(\d{6})\b/.exec(texts[nth - 1]!.text)![1]!;
}

const newPhone = () => `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;

/** Lifetimes are minutes to days; move the user's expiry times into the past instead of waiting. */
async function expireRefreshTokens(userId: string) {
  await db.query(
    `update identity.refresh_tokens set expires_at = now() - interval '1 minute'
     where session_id in (select id from identity.sessions where user_id = $1)`,
    [userId],
  );
}
async function expireVerifications(userId: string) {
  await db.query(`update identity.verifications set expires_at = now() - interval '1 minute' where user_id = $1`, [
    userId,
  ]);
}

// --- Specs -----------------------------------------------------------------------------------

describe('register', () => {
  it('creates the account, signs it in and shows the new user their own contact details', async () => {
    const input = { ...newUser('Fresh'), email: `${newUser().username}@Example.COM` };
    const { register } = await call(RegisterDocument, { input });

    expect(register!.user).toMatchObject({
      username: input.username.toLowerCase(),
      displayName: input.displayName,
      email: input.email.toLowerCase(),
      emailVerified: false,
      phone: null,
      phoneVerified: false,
      roles: ['USER'],
    });
    expect(new Date(register!.expiresAt).getTime()).toBeGreaterThan(Date.now());
    expect(await me(register)).toMatchObject({ id: register!.user.id, email: input.email.toLowerCase() });
  });

  it.each([
    ['an empty email', { email: '' }],
    ['a malformed email', { email: 'someone@nowhere' }],
    ['an empty username', { username: '' }],
    ['a username with spaces', { username: 'two words' }],
    ['a reserved username', { username: 'admin' }],
    ['an empty password', { password: '' }],
    ['a short password', { password: 'short1' }],
    ['a common password', { password: 'password123' }],
    ['a blank display name', { displayName: '   ' }],
    ['a display name over 60 characters', { displayName: 'x'.repeat(61) }],
  ])('rejects %s with BAD_USER_INPUT', async (_case, override) => {
    await fails('BAD_USER_INPUT', RegisterDocument, { input: { ...newUser(), ...override } });
  });

  it('rejects a password that contains the username', async () => {
    const input = newUser();
    await fails('BAD_USER_INPUT', RegisterDocument, { input: { ...input, password: `my ${input.username} secret` } });
  });

  it('refuses a taken username or email with CONFLICT, and stores nothing for the refused attempt', async () => {
    const taken = await signUp('taken');
    const fresh = newUser();
    await fails('CONFLICT', RegisterDocument, { input: { ...fresh, username: taken.username.toUpperCase() } });
    await fails('CONFLICT', RegisterDocument, { input: { ...newUser(), email: taken.email.toUpperCase() } });

    await fails('UNAUTHENTICATED', LoginDocument, { input: { login: fresh.email, password: fresh.password } });
    await call(RegisterDocument, { input: fresh });
  });
});

describe('login', () => {
  it('signs in by email or username, in any case', async () => {
    const account = await signUp();
    for (const login of [account.email.toUpperCase(), account.username, ` ${account.username.toUpperCase()} `]) {
      const result = await call(LoginDocument, { input: { login, password: account.password } });
      expect(result.login!.user).toEqual({ id: account.id, username: account.username });
      expect(await me(result.login)).toMatchObject({ id: account.id });
    }
  });

  it('answers UNAUTHENTICATED for a wrong password or an unknown account, and BAD_USER_INPUT for empty fields', async () => {
    const account = await signUp();
    await fails('UNAUTHENTICATED', LoginDocument, {
      input: { login: account.username, password: 'not my passphrase' },
    });
    await fails('UNAUTHENTICATED', LoginDocument, { input: { login: newUser().email, password: account.password } });
    await fails('BAD_USER_INPUT', LoginDocument, { input: { login: '', password: account.password } });
    await fails('BAD_USER_INPUT', LoginDocument, { input: { login: account.username, password: '' } });
    expect(await activityKinds(account)).toContain('SIGN_IN_FAILED');
  });

  it('locks an account after five wrong passwords, whichever login and address they came from', async () => {
    const account = await signUp('locked');
    const wrong = 'not my passphrase';
    for (const [i, login] of [
      account.email,
      account.email,
      account.username,
      account.username,
      account.email,
    ].entries()) {
      await fails('UNAUTHENTICATED', LoginDocument, { input: { login, password: wrong } }, undefined, {
        'x-forwarded-for': `198.51.100.${i + 1}`,
      });
    }

    const error = await fails(
      'RATE_LIMITED',
      LoginDocument,
      { input: { login: account.username, password: account.password } },
      undefined,
      {
        'x-forwarded-for': '198.51.100.99',
      },
    );
    expect(error.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    const bystander = await signUp();
    await signIn(bystander);
  });

  it('counts every one of many simultaneous wrong passwords against the lock', async () => {
    const account = await signUp('burst');
    const headers = { 'x-forwarded-for': '198.51.100.200' };
    const attempts = [...Array(10).keys()].map((i) =>
      request(
        t.url,
        LoginDocument,
        { input: { login: account.username, password: `wrong passphrase ${i}` } },
        { headers },
      ),
    );
    const codes = (await Promise.all(attempts)).map((r) => r.errors?.[0]?.extensions?.code);

    expect(codes.filter((c) => c === 'UNAUTHENTICATED')).toHaveLength(5);
    expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(5);
    await fails('RATE_LIMITED', LoginDocument, { input: { login: account.username, password: account.password } });
  });

  it('records where a sign-in came from', async () => {
    const account = await signUp();
    const { data, errors } = await request(
      t.url,
      LoginDocument,
      { input: { login: account.username, password: account.password } },
      {
        headers: { 'x-forwarded-for': '203.0.113.7', 'user-agent': 'peerlink-e2e/1.0' },
      },
    );
    expect(errors).toBeUndefined();
    const { myActivity } = await call(MyActivityDocument, { first: 1 }, data!.login!);
    expect(myActivity!.edges[0]!.node).toMatchObject({
      kind: 'SIGNED_IN',
      ip: '203.0.113.7',
      userAgent: 'peerlink-e2e/1.0',
    });
  });
});

describe('sessions', () => {
  it('rotates the refresh token on every refresh', async () => {
    const account = await signUp();
    const first = await refresh(account.refreshToken);
    const second = await refresh(first!.refreshToken);

    expect(new Set([account.refreshToken, first!.refreshToken, second!.refreshToken]).size).toBe(3);
    expect(second!.user.id).toBe(account.id);
    expect(await me(second)).toMatchObject({ id: account.id });
  });

  it('treats a reused refresh token as theft: UNAUTHENTICATED, and the whole session ends', async () => {
    const account = await signUp();
    const other = await signIn(account);
    const rotated = await refresh(account.refreshToken);

    await refreshFails(account.refreshToken);
    await refreshFails(rotated!.refreshToken);
    await refresh(other.refreshToken);
    const { myActivity } = await call(MyActivityDocument, { first: 1 }, other);
    expect(myActivity!.edges[0]!.node).toMatchObject({ kind: 'SESSION_REVOKED', detail: 'refresh token reused' });
  });

  it('treats two simultaneous refreshes with one token as a reuse too', async () => {
    const account = await signUp();
    const results = await Promise.all(
      [0, 1].map(() => request(t.url, RefreshSessionDocument, { refreshToken: account.refreshToken })),
    );

    const winners = results.flatMap((r) => (r.data?.refreshSession ? [r.data.refreshSession] : []));
    expect(winners).toHaveLength(1);
    expect(results.flatMap((r) => r.errors ?? []).map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    await refreshFails(winners[0]!.refreshToken);
  });

  it('refuses unknown and expired refresh tokens', async () => {
    const account = await signUp();
    await refreshFails('not-a-refresh-token');
    await expireRefreshTokens(account.id);
    await refreshFails(account.refreshToken);
  });

  it('refuses expired, forged and malformed access tokens with UNAUTHENTICATED', async () => {
    const account = await signUp();
    const viewer = { userId: account.id, sessionId: account.id, roles: ['USER' as const, 'ADMIN' as const] };
    const expired = await issueAccessToken(t.stack.infrastructure.config.accessTokenKeys!.privateKey!, viewer, -60);
    const forged = await issueAccessToken(generateKeyPairSync('ed25519').privateKey, viewer, 600);
    for (const accessToken of [expired.token, forged.token, 'not.a.jwt']) {
      await fails('UNAUTHENTICATED', MeDocument, {}, { accessToken });
    }
  });

  it('logout without a token ends the current session only', async () => {
    const account = await signUp();
    const other = await signIn(account);

    expect(await call(LogoutDocument, {}, account)).toEqual({ logout: true });
    await refreshFails(account.refreshToken);
    await refresh(other.refreshToken);
  });

  it("logout with a refresh token ends that session, and only if it is the caller's own", async () => {
    const account = await signUp();
    const other = await signIn(account);
    const stranger = await signUp();

    expect(await call(LogoutDocument, { refreshToken: stranger.refreshToken }, account)).toEqual({ logout: false });
    expect(await call(LogoutDocument, { refreshToken: 'not-a-refresh-token' }, account)).toEqual({ logout: false });
    expect(await call(LogoutDocument, { refreshToken: other.refreshToken }, account)).toEqual({ logout: true });
    await refreshFails(other.refreshToken);
    await refresh(account.refreshToken);
    await refresh(stranger.refreshToken);
  });

  it('logoutEverywhere ends every session', async () => {
    const account = await signUp();
    const others = [await signIn(account), await signIn(account)];

    expect(await call(LogoutEverywhereDocument, {}, account)).toEqual({ logoutEverywhere: true });
    for (const session of [account, ...others]) await refreshFails(session.refreshToken);
    expect(await activityKinds(account)).toContain('SIGNED_OUT_EVERYWHERE');
  });
});

describe('profiles', () => {
  it('me is the signed-in user, or null', async () => {
    const account = await signUp();
    // Signed out, `me` is null without an error: the one root a test expects null.
    expect((await ok(t.url, MeDocument, {}, undefined, { nullable: true })).me).toBeNull();
    expect(await me(account)).toMatchObject({ id: account.id, username: account.username, email: account.email });
  });

  it('user(username) hides contact details from everyone but the user and admins', async () => {
    const owner = await signUp();
    const stranger = await signUp();
    const hidden = { email: null, emailVerified: null, phone: null, phoneVerified: null };
    const visible = { email: owner.email, emailVerified: false, phone: null, phoneVerified: false };

    expect(await profileOf(owner.username)).toMatchObject({ id: owner.id, displayName: owner.displayName, ...hidden });
    expect(await profileOf(owner.username, stranger)).toMatchObject(hidden);
    expect(await profileOf(owner.username.toUpperCase(), owner)).toMatchObject(visible);
    expect(await profileOf(owner.username, admin)).toMatchObject(visible);
    await fails('NOT_FOUND', UserByUsernameDocument, { username: newUser().username }, owner);
  });

  it('updateProfile changes and clears fields, including the username', async () => {
    const account = await signUp();
    const username = newUser().username;
    const { updateProfile } = await call(
      UpdateProfileDocument,
      {
        input: {
          displayName: '  Ada   Lovelace ',
          username: username.toUpperCase(),
          bio: 'Engines.',
          avatarUrl: 'https://example.com/a.png',
        },
      },
      account,
    );
    expect(updateProfile).toMatchObject({
      displayName: 'Ada Lovelace',
      username,
      bio: 'Engines.',
      avatarUrl: 'https://example.com/a.png',
    });

    const cleared = await call(UpdateProfileDocument, { input: { bio: '', avatarUrl: '' } }, account);
    expect(cleared.updateProfile).toMatchObject({ displayName: 'Ada Lovelace', bio: null, avatarUrl: null });
    await fails('NOT_FOUND', UserByUsernameDocument, { username: account.username });
    expect(await profileOf(username)).toMatchObject({ id: account.id, displayName: 'Ada Lovelace' });
  });

  it('refuses bad changes and keeps the stored profile intact', async () => {
    const account = await signUp();
    const taken = await signUp();
    await call(UpdateProfileDocument, { input: { bio: 'Original bio.' } }, account);
    const before = await me(account);

    const attempts = [
      { code: 'BAD_USER_INPUT', input: { displayName: '' } },
      { code: 'BAD_USER_INPUT', input: { displayName: 'y'.repeat(61), bio: 'Changed.' } },
      { code: 'BAD_USER_INPUT', input: { bio: 'b'.repeat(501), displayName: 'Changed' } },
      { code: 'BAD_USER_INPUT', input: { avatarUrl: 'javascript:alert(1)' } },
      { code: 'BAD_USER_INPUT', input: { username: 'no spaces allowed' } },
      { code: 'BAD_USER_INPUT', input: {} },
      { code: 'CONFLICT', input: { username: taken.username, displayName: 'Changed' } },
    ];
    for (const { code, input } of attempts) await fails(code, UpdateProfileDocument, { input }, account);

    expect(await me(account)).toEqual(before);
  });
});

describe('changePassword', () => {
  it('signs out other sessions, keeps the current one and swaps the password', async () => {
    const account = await signUp();
    const other = await signIn(account);

    expect(
      await call(ChangePasswordDocument, { currentPassword: account.password, newPassword: NEW_PASSWORD }, account),
    ).toEqual({ changePassword: true });
    await refreshFails(other.refreshToken);
    await refresh(account.refreshToken);
    await fails('UNAUTHENTICATED', LoginDocument, { input: { login: account.username, password: account.password } });
    await signIn(account, NEW_PASSWORD);
  });

  it('refuses a wrong current password or a bad new one, and keeps the old password', async () => {
    const account = await signUp();
    const change = (currentPassword: string, newPassword: string) => ({ currentPassword, newPassword });
    for (const variables of [
      change('not my passphrase', NEW_PASSWORD),
      change(account.password, 'short'),
      change(account.password, `${account.username} forever`),
      change(account.password, account.password),
    ]) {
      await fails('BAD_USER_INPUT', ChangePasswordDocument, variables, account);
    }
    await signIn(account);
  });
});

describe('email verification', () => {
  it('verifies the address with the emailed token, once', async () => {
    const account = await signUp();
    const token = await mailedToken(account.email, CONFIRM_EMAIL);

    expect(await call(VerifyEmailDocument, { token }, account)).toEqual({
      verifyEmail: { id: account.id, emailVerified: true },
    });
    await fails('BAD_USER_INPUT', VerifyEmailDocument, { token });
    await fails('BAD_USER_INPUT', RequestEmailVerificationDocument, {}, account);
    expect(await me(account)).toMatchObject({ emailVerified: true });
  });

  it('sends a new link on request', async () => {
    const account = await signUp();
    await mailedToken(account.email, CONFIRM_EMAIL);
    expect(await call(RequestEmailVerificationDocument, {}, account)).toEqual({ requestEmailVerification: true });

    const token = await mailedToken(account.email, CONFIRM_EMAIL, 2);
    // Redeemed signed out, as from a link opened elsewhere: the answer still hides private fields.
    expect(await call(VerifyEmailDocument, { token })).toEqual({
      verifyEmail: { id: account.id, emailVerified: null },
    });
    expect(await me(account)).toMatchObject({ emailVerified: true });
  });

  it('sends at most five links an hour', async () => {
    const account = await signUp();
    for (let i = 0; i < 5; i++) await call(RequestEmailVerificationDocument, {}, account);
    const error = await fails('RATE_LIMITED', RequestEmailVerificationDocument, {}, account);
    expect(error.extensions?.retryAfterSeconds).toBeGreaterThan(0);
    await mailedToken(account.email, CONFIRM_EMAIL, 6);
  });

  it('refuses invalid and expired tokens', async () => {
    const account = await signUp();
    const token = await mailedToken(account.email, CONFIRM_EMAIL);
    await fails('BAD_USER_INPUT', VerifyEmailDocument, { token: 'not-a-token' });
    await expireVerifications(account.id);
    await fails('BAD_USER_INPUT', VerifyEmailDocument, { token });
    expect(await me(account)).toMatchObject({ emailVerified: false });
  });
});

describe('phone verification', () => {
  it('texts a code through the SMS webhook and verifies the number with it', async () => {
    const account = await signUp();
    const phone = newPhone();
    const spaced = `${phone.slice(0, 2)} (${phone.slice(2, 5)}) ${phone.slice(5, 8)}-${phone.slice(8)}`;
    expect(await call(RequestPhoneVerificationDocument, { phone: spaced }, account)).toEqual({
      requestPhoneVerification: true,
    });
    const code = await textedCode(phone);

    expect(await call(VerifyPhoneDocument, { code }, account)).toEqual({
      verifyPhone: { id: account.id, phone, phoneVerified: true },
    });
    await fails('BAD_USER_INPUT', VerifyPhoneDocument, { code }, account);
    expect(await profileOf(account.username, account)).toMatchObject({ phone, phoneVerified: true });
    expect(await profileOf(account.username)).toMatchObject({ phone: null, phoneVerified: null });
  });

  it('refuses wrong codes, and after five wrong guesses the right one too', async () => {
    const account = await signUp();
    const phone = newPhone();
    await call(RequestPhoneVerificationDocument, { phone }, account);
    const code = await textedCode(phone);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');

    for (let i = 0; i < 5; i++) await fails('BAD_USER_INPUT', VerifyPhoneDocument, { code: wrong }, account);
    await fails('BAD_USER_INPUT', VerifyPhoneDocument, { code }, account);
    expect(await me(account)).toMatchObject({ phone: null, phoneVerified: false });
  });

  it('counts every one of many simultaneous guesses', async () => {
    const account = await signUp();
    const phone = newPhone();
    await call(RequestPhoneVerificationDocument, { phone }, account);
    const code = await textedCode(phone);
    const wrong = (i: number) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0');

    await Promise.all(
      [...Array(8).keys()].map((i) => fails('BAD_USER_INPUT', VerifyPhoneDocument, { code: wrong(i) }, account)),
    );
    await fails('BAD_USER_INPUT', VerifyPhoneDocument, { code }, account);
  });

  it('refuses expired codes, malformed numbers and missing codes', async () => {
    const account = await signUp();
    await fails('BAD_USER_INPUT', VerifyPhoneDocument, { code: '123456' }, account);
    await fails('BAD_USER_INPUT', RequestPhoneVerificationDocument, { phone: '555-0100' }, account);

    const phone = newPhone();
    await call(RequestPhoneVerificationDocument, { phone }, account);
    const code = await textedCode(phone);
    await expireVerifications(account.id);
    await fails('BAD_USER_INPUT', VerifyPhoneDocument, { code }, account);
  });
});

describe('password reset', () => {
  it('answers true for an unknown address and sends it nothing', async () => {
    const account = await signUp();
    const unknown = newUser('ghost').email;
    expect(await call(RequestPasswordResetDocument, { email: unknown })).toEqual({ requestPasswordReset: true });
    expect(await call(RequestPasswordResetDocument, { email: account.email })).toEqual({ requestPasswordReset: true });

    await mailedToken(account.email, RESET_PASSWORD);
    expect(t.mailbox.count(unknown, /.*/)).toBe(0);
    await fails('BAD_USER_INPUT', RequestPasswordResetDocument, { email: 'not an email' });
  });

  it('sets a new password with the emailed token, once, and ends every session', async () => {
    const account = await signUp();
    const other = await signIn(account);
    await call(RequestPasswordResetDocument, { email: account.email.toUpperCase() });
    const token = await mailedToken(account.email, RESET_PASSWORD);

    await fails('BAD_USER_INPUT', ResetPasswordDocument, { token, newPassword: 'short' });
    await fails('BAD_USER_INPUT', ResetPasswordDocument, { token, newPassword: `${account.username}1234` });
    expect(await call(ResetPasswordDocument, { token, newPassword: NEW_PASSWORD })).toEqual({ resetPassword: true });

    await fails('BAD_USER_INPUT', ResetPasswordDocument, { token, newPassword: 'yet another passphrase 3' });
    for (const session of [account, other]) await refreshFails(session.refreshToken);
    await fails('UNAUTHENTICATED', LoginDocument, { input: { login: account.username, password: account.password } });
    await signIn(account, NEW_PASSWORD);
  });

  it('refuses invalid tokens, expired tokens and email-verification tokens', async () => {
    const account = await signUp();
    const verifyToken = await mailedToken(account.email, CONFIRM_EMAIL);
    await call(RequestPasswordResetDocument, { email: account.email });
    const resetToken = await mailedToken(account.email, RESET_PASSWORD);

    await fails('BAD_USER_INPUT', ResetPasswordDocument, { token: 'not-a-token', newPassword: NEW_PASSWORD });
    await fails('BAD_USER_INPUT', ResetPasswordDocument, { token: verifyToken, newPassword: NEW_PASSWORD });
    await expireVerifications(account.id);
    await fails('BAD_USER_INPUT', ResetPasswordDocument, { token: resetToken, newPassword: NEW_PASSWORD });
    await signIn(account);
  });
});

describe('roles', () => {
  it('anyone may become a seller or an instructor; new access tokens carry the role', async () => {
    const account = await signUp();
    expect((await call(BecomeSellerDocument, {}, account)).becomeSeller.roles).toEqual(['USER', 'SELLER']);
    expect((await call(BecomeSellerDocument, {}, account)).becomeSeller.roles).toEqual(['USER', 'SELLER']);
    expect((await call(BecomeInstructorDocument, {}, account)).becomeInstructor.roles).toEqual([
      'USER',
      'SELLER',
      'INSTRUCTOR',
    ]);

    expect(rolesInToken((await refresh(account.refreshToken)).accessToken)).toEqual(['USER', 'SELLER', 'INSTRUCTOR']);
  });

  it('admins grant and revoke roles', async () => {
    const account = await signUp();
    expect((await call(GrantRoleDocument, { userId: account.id, role: 'MODERATOR' }, admin)).grantRole.roles).toEqual([
      'USER',
      'MODERATOR',
    ]);
    expect(await profileOf(account.username)).toMatchObject({ roles: ['USER', 'MODERATOR'] });
    expect(rolesInToken((await signIn(account)).accessToken)).toContain('MODERATOR');

    expect((await call(RevokeRoleDocument, { userId: account.id, role: 'MODERATOR' }, admin)).revokeRole.roles).toEqual(
      ['USER'],
    );
    const { userActivity } = await call(UserActivityDocument, { userId: account.id, first: 100 }, admin);
    expect(userActivity!.edges.map((e) => e.node.kind)).toEqual(
      expect.arrayContaining(['ROLE_GRANTED', 'ROLE_REVOKED']),
    );
  });

  it('only admins may grant or revoke', async () => {
    const account = await signUp();
    const target = await signUp();
    await fails('FORBIDDEN', GrantRoleDocument, { userId: account.id, role: 'ADMIN' }, account);
    await fails('FORBIDDEN', RevokeRoleDocument, { userId: admin.id, role: 'ADMIN' }, account);
    await fails('FORBIDDEN', GrantRoleDocument, { userId: target.id, role: 'MODERATOR' }, account);
    expect(await profileOf(target.username)).toMatchObject({ roles: ['USER'] });
  });

  it('refuses grants that make no sense', async () => {
    await fails('BAD_USER_INPUT', GrantRoleDocument, { userId: admin.id, role: 'USER' }, admin);
    await fails('BAD_USER_INPUT', RevokeRoleDocument, { userId: admin.id, role: 'ADMIN' }, admin);
    await fails(
      'NOT_FOUND',
      GrantRoleDocument,
      { userId: '01890000-0000-7000-8000-000000000000', role: 'MODERATOR' },
      admin,
    );
    await fails('NOT_FOUND', GrantRoleDocument, { userId: 'not-a-user-id', role: 'MODERATOR' }, admin);
  });
});

describe('activity', () => {
  /** A user with `count` profile updates on top of the three entries registering makes. */
  async function busyUser(count: number) {
    const account = await signUp();
    for (let i = 0; i < count; i++) await call(UpdateProfileDocument, { input: { displayName: `Name ${i}` } }, account);
    return account;
  }
  const page = (caller: Caller, first: number, after?: string | null) =>
    call(MyActivityDocument, { first, after }, caller).then((r) => r.myActivity);

  it("lists the user's own activity, newest first", async () => {
    const account = await busyUser(2);
    const { edges, pageInfo } = await page(account, 100);

    const kinds = edges.map((e) => e.node.kind);
    expect(kinds.slice(0, 2)).toEqual(['PROFILE_UPDATED', 'PROFILE_UPDATED']);
    // Registering writes its three entries in one transaction, usually within one millisecond.
    expect(kinds.slice(2).sort()).toEqual(['EMAIL_VERIFICATION_REQUESTED', 'SIGNED_IN', 'SIGNED_UP']);
    const times = edges.map((e) => Date.parse(e.node.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: edges[0]!.cursor,
      endCursor: edges.at(-1)!.cursor,
    });
  });

  it('pages with first/after, and cursors stay put while new entries arrive', async () => {
    const account = await busyUser(5);
    const all = (await page(account, 100)).edges.map((e) => e.node.id);
    expect(all).toHaveLength(8);

    const first = await page(account, 3);
    await call(UpdateProfileDocument, { input: { displayName: 'Newer' } }, account);
    const second = await page(account, 3, first!.pageInfo.endCursor);
    const third = await page(account, 3, second!.pageInfo.endCursor);

    expect([first, second, third].flatMap((p) => p!.edges.map((e) => e.node.id))).toEqual(all);
    expect([first, second, third].map((p) => p!.pageInfo.hasNextPage)).toEqual([true, true, false]);
    expect((await page(account, 1)).edges[0]!.node.kind).toBe('PROFILE_UPDATED');
  });

  it('refuses bad page sizes and bad cursors', async () => {
    const account = await signUp();
    await fails('BAD_USER_INPUT', MyActivityDocument, { first: 0 }, account);
    await fails('BAD_USER_INPUT', MyActivityDocument, { first: 101 }, account);
    await fails('BAD_USER_INPUT', MyActivityDocument, { first: 10, after: 'not-a-cursor' }, account);
  });

  it('userActivity is for admins only', async () => {
    const account = await signUp();
    const stranger = await signUp();
    const { userActivity } = await call(UserActivityDocument, { userId: account.id, first: 100 }, admin);
    expect(userActivity!.edges.map((e) => e.node.kind)).toContain('SIGNED_UP');
    expect(await call(UserActivityDocument, { userId: 'not-a-user-id' }, admin)).toEqual({
      userActivity: { edges: [] },
    });

    await fails('FORBIDDEN', UserActivityDocument, { userId: account.id }, stranger);
  });
});

describe('signed-out callers', () => {
  it('get UNAUTHENTICATED from every operation that needs a viewer', async () => {
    const someone = await signUp();
    await fails('UNAUTHENTICATED', LogoutDocument, {});
    await fails('UNAUTHENTICATED', LogoutDocument, { refreshToken: someone.refreshToken });
    await fails('UNAUTHENTICATED', LogoutEverywhereDocument, {});
    await fails('UNAUTHENTICATED', UpdateProfileDocument, { input: { displayName: 'Anonymous' } });
    await fails('UNAUTHENTICATED', ChangePasswordDocument, {
      currentPassword: someone.password,
      newPassword: NEW_PASSWORD,
    });
    await fails('UNAUTHENTICATED', RequestEmailVerificationDocument, {});
    await fails('UNAUTHENTICATED', RequestPhoneVerificationDocument, { phone: newPhone() });
    await fails('UNAUTHENTICATED', VerifyPhoneDocument, { code: '123456' });
    await fails('UNAUTHENTICATED', BecomeSellerDocument, {});
    await fails('UNAUTHENTICATED', BecomeInstructorDocument, {});
    await fails('UNAUTHENTICATED', GrantRoleDocument, { userId: someone.id, role: 'MODERATOR' });
    await fails('UNAUTHENTICATED', RevokeRoleDocument, { userId: someone.id, role: 'MODERATOR' });
    await fails('UNAUTHENTICATED', MyActivityDocument, {});
    await fails('UNAUTHENTICATED', UserActivityDocument, { userId: someone.id });

    await refresh(someone.refreshToken);
    await signIn(someone);
  });
});
