import { randomUUID } from 'node:crypto';
import {
  CreatePlanDocument,
  LoginDocument,
  SubscribeToPlanDocument,
  type CreatePlanInput,
} from '../generated/graphql.js';
import { ok } from './client.js';
import type { Account } from './marketplace.js';
import { makeAdmin, signUp, type TestStack } from './stack.js';

/** A new account with the ADMIN role, signed in again so its token carries it. */
export async function admin(t: TestStack): Promise<Account> {
  const user = await signUp(t, 'admin');
  await makeAdmin(t, user.username);
  const { login } = await ok(t.url, LoginDocument, { input: { login: user.username, password: user.password } });
  return { ...user, token: login.accessToken };
}

/** A plan on sale: monthly, 9.99 USD, under a unique name unless `input` says otherwise. */
export async function plan(t: TestStack, by: Account, input: Partial<CreatePlanInput> = {}) {
  const made = await ok(
    t.url,
    CreatePlanDocument,
    { input: { name: `Plus ${randomUUID().slice(0, 8)}`, amount: 999, currency: 'usd', interval: 'MONTH', ...input } },
    by.token,
  );
  return made.createPlan;
}

/** Subscribes `user` to a plan with one of their saved cards. */
export async function subscribe(
  t: TestStack,
  user: Account,
  planId: string,
  paymentMethodId: string,
  idempotencyKey = randomUUID(),
) {
  return (await ok(t.url, SubscribeToPlanDocument, { input: { planId, paymentMethodId, idempotencyKey } }, user.token))
    .subscribeToPlan;
}
