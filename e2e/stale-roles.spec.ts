import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BecomeInstructorWithAccessDocument,
  BecomeSellerWithAccessDocument,
  ConnectPayoutAccountDocument,
  CreatePlanDocument,
  CreateProductDocument,
  GrantRoleDocument,
  LogoutDocument,
  RefreshSessionDocument,
  RegisterDocument,
  ResyncAccountsDocument,
  RevokeRoleDocument,
  UserActivityDocument,
} from './generated/graphql.js';
import { ok, request } from './support/client.js';
import { makeAdmin, newUser, startTestStack, type TestStack } from './support/stack.js';

/**
 * A role taken or granted after an access token was issued. Every subgraph checks the roles the
 * account holds now (the gateway reads them from the role ledger), so the old token acts with the
 * new role at once; a refusal says how to obtain a missing role.
 */
let t: TestStack;

beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

async function register() {
  const input = newUser('roles');
  const { register } = await ok(t.url, RegisterDocument, { input });
  return { ...input, id: register.user.id, accessToken: register.accessToken, refreshToken: register.refreshToken };
}

const product = { title: 'Walnut desk', kind: 'PHYSICAL' as const, priceAmount: 45000, currency: 'usd', stock: 2 };

async function refusal<T, V>(document: TypedDocumentNode<T, V>, variables: V, token: string) {
  const { errors } = await request(t.url, document, variables, { token });
  expect(errors).toHaveLength(1);
  return errors![0]!;
}

describe('a role the access token does not carry', () => {
  it('after becomeSeller, the old token acts as a seller at once, and refreshedAccess carries the role too', async () => {
    const seller = await register();
    const neverSeller = await register();
    const { becomeSeller } = await ok(t.url, BecomeSellerWithAccessDocument, {}, seller.accessToken);
    expect(becomeSeller.roles).toEqual(['USER', 'SELLER']);

    // The old token: the account is a seller now, and that is what counts.
    const { createProduct: early } = await ok(t.url, CreateProductDocument, { input: product }, seller.accessToken);
    expect(early.status).toBe('DRAFT');

    // Someone who is no seller is told how to become one, and that refreshing would not help.
    const refused = await refusal(CreateProductDocument, { input: product }, neverSeller.accessToken);
    expect(refused.extensions).toMatchObject({
      code: 'FORBIDDEN',
      requiredRoles: ['SELLER'],
      rolesFrom: 'ACCOUNT',
      obtainWith: 'becomeSeller',
    });
    expect(refused.extensions).not.toHaveProperty('refreshWith');
    expect(refused.message).toMatch(/becomeSeller/);
    // Payments' SELLER check says the same.
    expect(
      (
        await refusal(
          ConnectPayoutAccountDocument,
          { returnUrl: 'https://shop.example/payouts' },
          neverSeller.accessToken,
        )
      ).extensions,
    ).toMatchObject({
      requiredRoles: ['SELLER'],
      rolesFrom: 'ACCOUNT',
      obtainWith: 'becomeSeller',
    });

    // The token becomeSeller handed back carries the role, for the same session.
    const fresh = becomeSeller.refreshedAccess!;
    expect(new Date(fresh.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const { createProduct } = await ok(t.url, CreateProductDocument, { input: product }, fresh.accessToken);
    expect(createProduct.status).toBe('DRAFT');
    // ...and the refresh token is untouched: refreshing still works, and carries the role too.
    const { refreshSession } = await ok(t.url, RefreshSessionDocument, { refreshToken: seller.refreshToken });
    await ok(t.url, CreateProductDocument, { input: product }, refreshSession.accessToken);
  });

  it('refreshedAccess comes once, from the call that gave the role, and never to an ended session', async () => {
    const account = await register();
    const first = await ok(t.url, BecomeSellerWithAccessDocument, {}, account.accessToken);
    expect(first.becomeSeller.refreshedAccess).not.toBeNull();
    // Asking again gives nothing new: a stolen token cannot be renewed by repeating the call.
    expect(
      (await ok(t.url, BecomeSellerWithAccessDocument, {}, account.accessToken)).becomeSeller.refreshedAccess,
    ).toBeNull();

    // A signed-out session's access token still works until it expires, but buys no new one.
    await ok(t.url, LogoutDocument, {}, account.accessToken);
    const { becomeInstructor } = await ok(t.url, BecomeInstructorWithAccessDocument, {}, account.accessToken);
    expect(becomeInstructor.roles).toEqual(['USER', 'SELLER', 'INSTRUCTOR']);
    expect(becomeInstructor.refreshedAccess).toBeNull();
  });

  it('admin-only checks elsewhere point to grantRole, read from the account', async () => {
    const account = await register();
    const error = await refusal(
      CreatePlanDocument,
      { input: { name: 'Plus', amount: 499, currency: 'usd', interval: 'MONTH' } },
      account.accessToken,
    );
    expect(error.extensions).toMatchObject({
      code: 'FORBIDDEN',
      requiredRoles: ['ADMIN'],
      rolesFrom: 'ACCOUNT',
      obtainWith: 'grantRole',
    });
    expect(error.extensions).not.toHaveProperty('refreshWith');
    expect(error.message).toMatch(/only an admin can give it to you \(grantRole\)/);
  });
});

describe('roles as they are now', () => {
  it('an admin made after their token was issued acts at once; one demoted cannot act on the old token', async () => {
    const account = await register();
    const other = await register();
    const before = await refusal(ResyncAccountsDocument, {}, account.accessToken);
    expect(before.extensions).toMatchObject({
      code: 'FORBIDDEN',
      requiredRoles: ['ADMIN'],
      rolesFrom: 'ACCOUNT',
      obtainWith: 'grantRole',
    });
    expect(before.extensions).not.toHaveProperty('refreshWith');
    expect(before.message).not.toMatch(/refresh/i);

    await makeAdmin(t, account.username);
    // The same token, issued before the role: honoured.
    expect((await ok(t.url, ResyncAccountsDocument, {}, account.accessToken)).resyncAccounts).toBeGreaterThan(0);
    await ok(t.url, UserActivityDocument, { userId: other.id, first: 5 }, account.accessToken);
    const { grantRole } = await ok(t.url, GrantRoleDocument, { userId: other.id, role: 'ADMIN' }, account.accessToken);
    expect(grantRole.roles).toContain('ADMIN');

    // Demoted by the other admin: the token still says ADMIN, identity does not.
    const otherAdmin = await ok(t.url, RefreshSessionDocument, { refreshToken: other.refreshToken });
    await ok(t.url, RevokeRoleDocument, { userId: account.id, role: 'ADMIN' }, otherAdmin.refreshSession.accessToken);
    expect(
      (await refusal(UserActivityDocument, { userId: other.id, first: 5 }, account.accessToken)).extensions,
    ).toMatchObject({
      code: 'FORBIDDEN',
      rolesFrom: 'ACCOUNT',
    });
  });
});
