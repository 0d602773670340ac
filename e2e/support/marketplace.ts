import { randomUUID } from 'node:crypto';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import {
  AddToCartDocument,
  BecomeSellerDocument,
  CheckoutDocument,
  CreateProductDocument,
  LoginDocument,
  OrderDocument,
  PaymentStatusDocument,
  ProductDocument,
  PublishProductDocument,
  RefundPaymentDocument,
  type CreateProductInput,
  type OrderStatus,
} from '../generated/graphql.js';
import { ok, request } from './client.js';
import { upload } from './drive.js';
import { signUp, type TestStack } from './stack.js';

export type Account = Awaited<ReturnType<typeof signUp>>;

export const ADDRESS = { name: 'Ada Buyer', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };

/** A new account that took the SELLER role, signed in again so its token carries it. */
export async function seller(t: TestStack): Promise<Account> {
  const user = await signUp(t, 'seller');
  await ok(t.url, BecomeSellerDocument, {}, user.token);
  const { login } = await ok(t.url, LoginDocument, { input: { login: user.username, password: user.password } });
  return { ...user, token: login.accessToken };
}

/**
 * A published product; physical with 5 in stock at 19.99 USD unless `input` says otherwise. A digital one gets a file
 * to deliver.
 */
export async function listed(t: TestStack, owner: Account, input: Partial<CreateProductInput> = {}) {
  const digitalFileId =
    input.kind === 'DIGITAL' && input.digitalFileId === undefined
      ? (await upload(t.url, owner.token, 'product.txt', Buffer.from('what the buyer gets'))).id
      : input.digitalFileId;
  const { createProduct } = await ok(
    t.url,
    CreateProductDocument,
    {
      input: {
        title: `Product ${randomUUID().slice(0, 8)}`,
        kind: 'PHYSICAL',
        priceAmount: 1999,
        currency: 'usd',
        stock: 5,
        ...input,
        ...(digitalFileId ? { digitalFileId } : {}),
      },
    },
    owner.token,
  );
  return (await ok(t.url, PublishProductDocument, { id: createProduct.id }, owner.token)).publishProduct;
}

/** Puts `quantity` of a product in the buyer's cart and checks out with that payment method. */
export async function buy(
  t: TestStack,
  buyer: Account,
  productId: string,
  paymentMethodId = 'pm_card_visa',
  quantity = 1,
) {
  await ok(t.url, AddToCartDocument, { productId, quantity }, buyer.token);
  const { checkout } = await ok(
    t.url,
    CheckoutDocument,
    { input: { idempotencyKey: randomUUID(), shippingAddress: ADDRESS, paymentMethodId } },
    buyer.token,
  );
  return checkout;
}

/** Units of a product left, as `viewer` sees it. */
export const stockOf = async (t: TestStack, productId: string, viewer: Account) =>
  (await ok(t.url, ProductDocument, { id: productId }, viewer.token)).product.stock;

/** Waits until the order reaches `status`, as its buyer (or seller) sees it. */
export function orderReaches(t: TestStack, viewer: Account, orderId: string, status: OrderStatus, timeoutMs?: number) {
  return waitFor(
    `order ${orderId} to be ${status}`,
    async () => {
      const order = (await request(t.url, OrderDocument, { id: orderId }, { token: viewer.token })).data?.order;
      return order?.status === status ? order : null;
    },
    timeoutMs,
  );
}

/** The seller refunds the order's payment: `amount` of it (minor units), or all that is left. */
export async function refundOrder(t: TestStack, owner: Account, orderId: string, amount?: number) {
  const { paymentStatus } = await ok(t.url, PaymentStatusDocument, { orderId }, owner.token);
  return ok(
    t.url,
    RefundPaymentDocument,
    { input: { paymentId: paymentStatus.id, reason: 'Not what I expected', ...(amount ? { amount } : {}) } },
    owner.token,
  );
}
