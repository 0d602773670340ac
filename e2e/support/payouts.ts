import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  MarkOrderDeliveredDocument,
  MarkOrderShippedDocument,
  PayoutsDocument,
  type PayoutStatus,
} from '../generated/graphql.js';
import { ok } from './client.js';
import { buy, orderReaches, type Account } from './marketplace.js';
import type { TestStack } from './stack.js';

/** A buyer's order of one product, paid, shipped and delivered by its seller. */
export async function soldAndDelivered(t: TestStack, owner: Account, buyer: Account, productId: string) {
  const order = (await buy(t, buyer, productId)).orders[0]!;
  await orderReaches(t, owner, order.id, 'PAID');
  await ok(t.url, MarkOrderShippedDocument, { id: order.id, trackingNumber: '1Z999' }, owner.token);
  await ok(t.url, MarkOrderDeliveredDocument, { id: order.id }, owner.token);
  return order;
}

/** The seller's payout of an order once it is `status`. */
export function payoutReaches(t: TestStack, owner: Account, orderId: string, status: PayoutStatus) {
  return waitFor(`the payout of ${orderId} to be ${status}`, async () => {
    const { payouts } = await ok(t.url, PayoutsDocument, { first: 100 }, owner.token);
    return payouts.edges.find((e) => e.node.order!.id === orderId && e.node.status === status)?.node ?? null;
  });
}
