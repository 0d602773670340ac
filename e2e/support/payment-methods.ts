import { randomUUID } from 'node:crypto';
import { AddPaymentMethodDocument } from '../generated/graphql.js';
import { ok } from './client.js';
import type { Account } from './marketplace.js';
import type { TestStack } from './stack.js';

/** Saves a card for `owner` from a test payment method; the setup as the API answered it. */
export async function addCard(
  t: TestStack,
  owner: Account,
  paymentMethodId: string | null = 'pm_card_visa',
  idempotencyKey = randomUUID(),
) {
  return (await ok(t.url, AddPaymentMethodDocument, { input: { paymentMethodId, idempotencyKey } }, owner.token))
    .addPaymentMethod;
}

/** A saved card of `owner`'s that succeeded; fails the test otherwise. */
export async function savedCard(t: TestStack, owner: Account, paymentMethodId = 'pm_card_visa') {
  const setup = await addCard(t, owner, paymentMethodId);
  if (setup.status !== 'SUCCEEDED' || !setup.paymentMethod)
    throw new Error(`${paymentMethodId} was not saved: ${setup.status} ${setup.failureReason ?? ''}`);
  return setup.paymentMethod;
}
