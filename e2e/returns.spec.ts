import { randomUUID } from 'node:crypto';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { returnPhotoHandlers } from '@peerlink/drive';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptReturnRequestDocument,
  AddToCartDocument,
  CheckoutDocument,
  DeclineReturnRequestDocument,
  DeleteFileDocument,
  EscalateReturnRequestDocument,
  EscalatedReturnRequestsDocument,
  FileDocument,
  GrantRoleDocument,
  LoginDocument,
  MarkOrderDeliveredDocument,
  MarkOrderShippedDocument,
  MyReturnRequestsDocument,
  OrderReturnRequestsDocument,
  PaymentIdDocument,
  ReceivedReturnRequestsDocument,
  RefundPaymentDocument,
  RequestReturnDocument,
  ResolveReturnRequestDocument,
  ReturnNotificationsDocument,
  ReturnPaymentDocument,
  ReturnRequestDocument,
  type RequestReturnInput,
  type ReturnStatus,
} from './generated/graphql.js';
import { codes, ok, request } from './support/client.js';
import { upload } from './support/drive.js';
import { ADDRESS, buy, listed, orderReaches, seller, stockOf, type Account } from './support/marketplace.js';
import { admin as dbAdmin } from './support/plans.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const UNKNOWN = '0195f000-0000-7000-8000-0000000000ff';

/** A paid order of the given products (one line each, `quantity` units), from one seller. */
async function paidOrder(buyer: Account, lines: { productId: string; quantity: number }[]) {
  for (const line of lines) await ok(t.url, AddToCartDocument, line, buyer.token);
  const { checkout } = await ok(
    t.url,
    CheckoutDocument,
    { input: { idempotencyKey: randomUUID(), shippingAddress: ADDRESS, paymentMethodId: 'pm_card_visa' } },
    buyer.token,
  );
  return orderReaches(t, buyer, checkout.orders[0]!.id, 'PAID');
}

const requestReturn = (input: RequestReturnInput, who: Account) =>
  ok(t.url, RequestReturnDocument, { input }, who.token).then((r) => r.requestReturn);

/** Waits until the request reaches `status`, as `who` sees it. */
const returnReaches = (who: Account, id: string, status: ReturnStatus) =>
  waitFor(`return ${id} to be ${status}`, async () => {
    const found = (await request(t.url, ReturnRequestDocument, { id }, { token: who.token })).data?.returnRequest;
    return found?.status === status ? found : null;
  });

/** Waits for a RETURN notification whose title matches, as `who` sees it. */
const returnNotice = (who: Account, title: RegExp) =>
  waitFor(`${who.username} to hear ${title}`, async () =>
    (await ok(t.url, ReturnNotificationsDocument, {}, who.token)).notifications.edges
      .map((e) => e.node)
      .find((n) => n.kind === 'RETURN' && title.test(n.title)),
  );

/**
 * An admin whose role identity announced (granted through `grantRole` by an operator-made admin),
 * so notifications knows to tell them of escalations; signed in again for a token that carries it.
 */
async function announcedAdmin(): Promise<Account> {
  const [operator, user] = await Promise.all([dbAdmin(t), signUp(t, 'admin')]);
  await ok(t.url, GrantRoleDocument, { userId: user.id, role: 'ADMIN' }, operator.token);
  await waitFor(`notifications to learn ${user.username} is an admin`, () => notificationsKnowsAdmin(user.id));
  const { login } = await ok(t.url, LoginDocument, { input: { login: user.username, password: user.password } });
  return { ...user, token: login.accessToken };
}

/** Whether notifications has applied identity's announcement of the role (escalations go to the admins it knows). */
async function notificationsKnowsAdmin(userId: string): Promise<boolean> {
  const db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  try {
    const { rowCount } = await db.query(
      `select 1 from notifications.recipients where user_id = $1 and 'ADMIN' = any(roles)`,
      [userId],
    );
    return rowCount === 1;
  } finally {
    await db.end();
  }
}

describe('a return accepted by the seller', () => {
  it('refunds the requested lines through the payment, ends REFUNDED, and leaves money and stock as a refund does', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const kettle = await listed(t, owner, { title: 'Copper kettle', priceAmount: 2500, stock: 5 });
    const order = await paidOrder(buyer, [{ productId: kettle.id, quantity: 2 }]);
    expect(await stockOf(t, kettle.id, owner)).toBe(3);

    const asked = await requestReturn(
      {
        orderId: order.id,
        items: [{ orderItemId: order.items[0]!.id, quantity: 2 }],
        reason: 'DAMAGED',
        details: '  Dented lid  ',
      },
      buyer,
    );
    expect(asked).toMatchObject({
      status: 'REQUESTED',
      reason: 'DAMAGED',
      details: 'Dented lid',
      amount: { amount: 5000, currency: 'usd' },
      refundAmount: null,
      items: [{ quantity: 2, amount: { amount: 5000 }, orderItem: { id: order.items[0]!.id, title: 'Copper kettle' } }],
      photosChecked: true,
      photos: [],
      buyer: { id: buyer.id },
      seller: { id: owner.id },
      order: { id: order.id, status: 'PAID' },
    });

    // The seller hears of it, in the app and by email (RETURN is emailed by default).
    expect((await returnNotice(owner, /^Return requested: 2 × Copper kettle$/)).returnRequest).toEqual({
      id: asked.id,
      status: 'REQUESTED',
    });
    // (Matched by its text: the test mailbox does not decode a subject's non-ASCII "×".)
    await waitFor('the seller’s email', () =>
      t.mailbox.messages.find(
        (m) => m.to === owner.email && m.text.includes(`Your buyer asks for $50.00 back (request ${asked.id})`),
      ),
    );
    expect(
      (
        await ok(t.url, ReceivedReturnRequestsDocument, { status: 'REQUESTED' }, owner.token)
      ).receivedReturnRequests.edges.map((e) => e.node.id),
    ).toEqual([asked.id]);
    expect(
      (await ok(t.url, MyReturnRequestsDocument, {}, buyer.token)).myReturnRequests.edges.map((e) => e.node),
    ).toEqual([{ id: asked.id, status: 'REQUESTED' }]);

    // Accepted: the lines' cost is asked of payments; a retried accept changes nothing and refunds once.
    const accepted = (await ok(t.url, AcceptReturnRequestDocument, { id: asked.id }, owner.token)).acceptReturnRequest;
    expect(accepted.status === 'ACCEPTED' || accepted.status === 'REFUNDED').toBe(true);
    expect(accepted.refundAmount).toEqual({ amount: 5000 });
    const [again] = await Promise.all([
      ok(t.url, AcceptReturnRequestDocument, { id: asked.id }, owner.token),
      returnReaches(buyer, asked.id, 'REFUNDED'),
    ]);
    expect(['ACCEPTED', 'REFUNDED']).toContain(again.acceptReturnRequest.status);
    expect(
      (await ok(t.url, AcceptReturnRequestDocument, { id: asked.id }, owner.token)).acceptReturnRequest.status,
    ).toBe('REFUNDED');

    // Money: one refund of the whole order, which is REFUNDED; refunded before shipping, the stock is back.
    const payment = (await ok(t.url, ReturnPaymentDocument, { orderId: order.id }, buyer.token)).paymentStatus;
    expect(payment).toMatchObject({ status: 'REFUNDED', refundedAmount: 5000 });
    expect(payment.refunds).toHaveLength(1);
    await orderReaches(t, buyer, order.id, 'REFUNDED');
    expect(await stockOf(t, kettle.id, owner)).toBe(5);
    expect((await ok(t.url, OrderReturnRequestsDocument, { id: order.id }, owner.token)).order).toMatchObject({
      refunded: { amount: 5000 },
      returnRequests: [{ id: asked.id, status: 'REFUNDED' }],
    });

    // The buyer hears of the acceptance (by email too) and of the refund itself.
    expect((await returnNotice(buyer, /^Your return was accepted$/)).body).toBe(
      '$50.00 for 2 × Copper kettle is being refunded.',
    );
    await t.mailbox.waitFor(buyer.email, /^Your return was accepted$/);
    await waitFor('the refund notice', async () =>
      (await ok(t.url, ReturnNotificationsDocument, {}, buyer.token)).notifications.edges.some(
        (e) => e.node.kind === 'ORDER' && e.node.title === 'Refund issued',
      ),
    );
    // Nothing more is left to ask for.
    expect(
      await codes(
        t.url,
        RequestReturnDocument,
        { input: { orderId: order.id, items: [{ orderItemId: order.items[0]!.id, quantity: 1 }], reason: 'DAMAGED' } },
        buyer.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });
});

describe('a return after the seller refunded part of the order', () => {
  it('is refunded only what is left of the payment, never more than was paid', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const pan = await listed(t, owner, { title: 'Iron pan', priceAmount: 3000, stock: 4 });
    const order = await paidOrder(buyer, [{ productId: pan.id, quantity: 2 }]);
    const payment = (await ok(t.url, ReturnPaymentDocument, { orderId: order.id }, owner.token)).paymentStatus;
    expect(payment.status).toBe('SUCCEEDED');
    const paymentId = (await ok(t.url, PaymentIdDocument, { orderId: order.id }, owner.token)).paymentStatus.id;
    await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId, amount: 5000, reason: 'Goodwill', idempotencyKey: 'goodwill' } },
      owner.token,
    );
    await waitFor(
      'the order to record the refund',
      async () =>
        (await ok(t.url, OrderReturnRequestsDocument, { id: order.id }, buyer.token)).order.refunded.amount === 5000,
    );

    const asked = await requestReturn(
      { orderId: order.id, items: [{ orderItemId: order.items[0]!.id, quantity: 2 }], reason: 'DEFECTIVE' },
      buyer,
    );
    expect(asked.amount).toEqual({ amount: 6000, currency: 'usd' });
    expect(
      (await ok(t.url, AcceptReturnRequestDocument, { id: asked.id }, owner.token)).acceptReturnRequest.refundAmount,
    ).toEqual({ amount: 1000 });
    await returnReaches(buyer, asked.id, 'REFUNDED');
    expect((await ok(t.url, ReturnPaymentDocument, { orderId: order.id }, buyer.token)).paymentStatus).toMatchObject({
      status: 'REFUNDED',
      refundedAmount: 6000,
    });
    await orderReaches(t, buyer, order.id, 'REFUNDED');
    expect(await stockOf(t, pan.id, owner)).toBe(4);
  });
});

describe('a declined return', () => {
  it('goes to the admins when the buyer escalates it, and an admin refunds it or upholds the decline', async () => {
    const [owner, buyer, staff] = await Promise.all([seller(t), signUp(t, 'buyer'), announcedAdmin()]);
    const [lamp, rug] = await Promise.all([
      listed(t, owner, { title: 'Brass lamp', priceAmount: 3000, stock: 5 }),
      listed(t, owner, { title: 'Wool rug', priceAmount: 7000, stock: 5 }),
    ]);
    const order = await paidOrder(buyer, [
      { productId: lamp.id, quantity: 3 },
      { productId: rug.id, quantity: 1 },
    ]);
    await ok(t.url, MarkOrderShippedDocument, { id: order.id, trackingNumber: 'TRACK-1' }, owner.token);
    await ok(t.url, MarkOrderDeliveredDocument, { id: order.id }, owner.token);
    const lampLine = order.items.find((i) => i.title === 'Brass lamp')!;
    const rugLine = order.items.find((i) => i.title === 'Wool rug')!;

    const asked = await requestReturn(
      { orderId: order.id, items: [{ orderItemId: lampLine.id, quantity: 1 }], reason: 'DEFECTIVE' },
      buyer,
    );
    // Too early to go over the seller's head: they have RETURN_ANSWER_SECONDS (three days) to answer.
    expect(await codes(t.url, EscalateReturnRequestDocument, { id: asked.id }, buyer.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, DeclineReturnRequestDocument, { id: asked.id, reason: '   ' }, owner.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    const declined = (
      await ok(
        t.url,
        DeclineReturnRequestDocument,
        { id: asked.id, reason: 'It works; the bulb was loose.' },
        owner.token,
      )
    ).declineReturnRequest;
    expect(declined).toMatchObject({ status: 'DECLINED', declineReason: 'It works; the bulb was loose.' });
    expect((await returnNotice(buyer, /^Your return was declined$/)).body).toContain('“It works; the bulb was loose.”');
    // Declined, it can no longer be accepted.
    expect(await codes(t.url, AcceptReturnRequestDocument, { id: asked.id }, owner.token)).toEqual(['CONFLICT']);

    // Only the buyer escalates; only admins see the queue and decide.
    expect(await codes(t.url, EscalateReturnRequestDocument, { id: asked.id }, owner.token)).toEqual(['FORBIDDEN']);
    const escalated = (
      await ok(t.url, EscalateReturnRequestDocument, { id: asked.id, note: 'It flickers still.' }, buyer.token)
    ).escalateReturnRequest;
    expect(escalated).toMatchObject({ status: 'ESCALATED', escalationNote: 'It flickers still.' });
    expect(
      (await ok(t.url, EscalateReturnRequestDocument, { id: asked.id }, buyer.token)).escalateReturnRequest.status,
    ).toBe('ESCALATED');
    expect((await returnNotice(staff, /^Return escalated: 1 × Brass lamp$/)).returnRequest).toEqual({
      id: asked.id,
      status: 'ESCALATED',
    });
    await returnNotice(owner, /^Return escalated: 1 × Brass lamp$/);
    expect(
      (await ok(t.url, EscalatedReturnRequestsDocument, {}, staff.token)).escalatedReturnRequests.edges.map(
        (e) => e.node,
      ),
    ).toContainEqual({
      id: asked.id,
      status: 'ESCALATED',
      escalationNote: 'It flickers still.',
    });
    // Refused as any role check is: what role it takes, read from the account as it is now, and how to get it.
    const adminAdvice = { code: 'FORBIDDEN', requiredRoles: ['ADMIN'], rolesFrom: 'ACCOUNT', obtainWith: 'grantRole' };
    expect(
      (await request(t.url, EscalatedReturnRequestsDocument, {}, { token: owner.token })).errors?.map(
        (e) => e.extensions,
      ),
    ).toEqual([expect.objectContaining(adminAdvice)]);
    for (const who of [owner, buyer]) {
      const refused = await request(
        t.url,
        ResolveReturnRequestDocument,
        { id: asked.id, decision: 'REFUND', note: 'Mine to decide' },
        { token: who.token },
      );
      expect(refused.errors?.map((e) => e.extensions)).toEqual([expect.objectContaining(adminAdvice)]);
    }
    // Admins see the request like its parties do.
    expect((await ok(t.url, ReturnRequestDocument, { id: asked.id }, staff.token)).returnRequest.status).toBe(
      'ESCALATED',
    );

    // The admin refunds one lamp; deciding again changes nothing, and the payment was refunded once.
    const resolved = (
      await ok(
        t.url,
        ResolveReturnRequestDocument,
        { id: asked.id, decision: 'REFUND', note: 'Photos show a fault.' },
        staff.token,
      )
    ).resolveReturnRequest;
    expect(resolved).toMatchObject({ resolutionNote: 'Photos show a fault.', refundAmount: { amount: 3000 } });
    await returnReaches(buyer, asked.id, 'REFUNDED');
    expect(
      (await ok(t.url, ResolveReturnRequestDocument, { id: asked.id, decision: 'REFUND', note: 'Again' }, staff.token))
        .resolveReturnRequest.status,
    ).toBe('REFUNDED');
    expect(
      await codes(
        t.url,
        ResolveReturnRequestDocument,
        { id: asked.id, decision: 'UPHOLD_DECLINE', note: 'Changed my mind' },
        staff.token,
      ),
    ).toEqual(['CONFLICT']);
    const payment = (await ok(t.url, ReturnPaymentDocument, { orderId: order.id }, buyer.token)).paymentStatus;
    expect(payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 3000 });
    expect(payment.refunds).toHaveLength(1);
    // Delivered goods: the order stays DELIVERED with the refund recorded, and no stock comes back.
    await waitFor(
      'the order to record the refund',
      async () =>
        (await ok(t.url, OrderReturnRequestsDocument, { id: order.id }, buyer.token)).order.refunded.amount === 3000,
    );
    expect((await orderReaches(t, buyer, order.id, 'DELIVERED')).status).toBe('DELIVERED');
    expect(await stockOf(t, lamp.id, owner)).toBe(2);
    expect((await returnNotice(buyer, /^Your return will be refunded$/)).body).toBe(
      'An admin decided: $30.00 for 1 × Brass lamp goes back to you. Photos show a fault.',
    );
    await returnNotice(owner, /^Escalated return refunded: 1 × Brass lamp$/);

    // Of three lamps one came back: two more may be returned, not three.
    expect(
      await codes(
        t.url,
        RequestReturnDocument,
        { input: { orderId: order.id, items: [{ orderItemId: lampLine.id, quantity: 3 }], reason: 'DEFECTIVE' } },
        buyer.token,
      ),
    ).toEqual(['CONFLICT']);
    expect(
      (
        await requestReturn(
          { orderId: order.id, items: [{ orderItemId: lampLine.id, quantity: 2 }], reason: 'DEFECTIVE' },
          buyer,
        )
      ).status,
    ).toBe('REQUESTED');

    // The rug: declined, escalated, and the decline upheld.
    const rugAsk = await requestReturn(
      { orderId: order.id, items: [{ orderItemId: rugLine.id, quantity: 1 }], reason: 'NO_LONGER_NEEDED' },
      buyer,
    );
    await ok(t.url, DeclineReturnRequestDocument, { id: rugAsk.id, reason: 'Used and stained.' }, owner.token);
    await ok(t.url, EscalateReturnRequestDocument, { id: rugAsk.id }, buyer.token);
    const upheld = (
      await ok(
        t.url,
        ResolveReturnRequestDocument,
        { id: rugAsk.id, decision: 'UPHOLD_DECLINE', note: 'Stains are visible.' },
        staff.token,
      )
    ).resolveReturnRequest;
    expect(upheld).toMatchObject({ status: 'DECLINE_UPHELD', refundAmount: null });
    expect(await codes(t.url, EscalateReturnRequestDocument, { id: rugAsk.id }, buyer.token)).toEqual(['CONFLICT']);
    expect((await returnNotice(buyer, /^Your escalated return was declined$/)).body).toBe(
      'An admin upheld the seller’s decline of 1 × Wool rug. Stains are visible.',
    );
    await returnNotice(owner, /^Escalated return: your decline stands$/);
    expect(
      (await ok(t.url, EscalatedReturnRequestsDocument, {}, staff.token)).escalatedReturnRequests.edges.map(
        (e) => e.node.id,
      ),
    ).not.toContain(rugAsk.id);
    expect(
      (await ok(t.url, ReturnPaymentDocument, { orderId: order.id }, buyer.token)).paymentStatus.refundedAmount,
    ).toBe(3000);
  });
});

/** Runs one statement on the test database (as an operator would), for states the API cannot reach on demand. */
async function sql(text: string, params: unknown[]) {
  const db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
  try {
    await db.query(text, params);
  } finally {
    await db.end();
  }
}

describe('a line refunded through one request', () => {
  /** A paid order of a lamp ($30) and a rug ($50), and its lamp line. */
  async function lampAndRug(owner: Account, buyer: Account) {
    const [lamp, rug] = await Promise.all([
      listed(t, owner, { title: 'Desk lamp', priceAmount: 3000 }),
      listed(t, owner, { title: 'Jute rug', priceAmount: 5000 }),
    ]);
    const order = await paidOrder(buyer, [
      { productId: lamp.id, quantity: 1 },
      { productId: rug.id, quantity: 1 },
    ]);
    return { order, lampLine: order.items.find((i) => i.title === 'Desk lamp')! };
  }

  /** Asks for the lamp back, has the seller accept, and waits for the refund. */
  async function refundedAgain(owner: Account, buyer: Account, orderId: string, orderItemId: string) {
    const again = await requestReturn({ orderId, items: [{ orderItemId, quantity: 1 }], reason: 'DEFECTIVE' }, buyer);
    await ok(t.url, AcceptReturnRequestDocument, { id: again.id }, owner.token);
    await returnReaches(buyer, again.id, 'REFUNDED');
  }

  async function refundedOnce(buyer: Account, orderId: string) {
    const payment = (await ok(t.url, ReturnPaymentDocument, { orderId }, buyer.token)).paymentStatus;
    expect(payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 3000 });
    expect(payment.refunds).toHaveLength(1);
  }

  it('cannot be refunded again by escalating an older declined request for it', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const { order, lampLine } = await lampAndRug(owner, buyer);
    const declined = await requestReturn(
      { orderId: order.id, items: [{ orderItemId: lampLine.id, quantity: 1 }], reason: 'DEFECTIVE' },
      buyer,
    );
    await ok(t.url, DeclineReturnRequestDocument, { id: declined.id, reason: 'Works here.' }, owner.token);
    // A new request for the same lamp is fine while the declined one holds nothing; it is refunded.
    await refundedAgain(owner, buyer, order.id, lampLine.id);

    // The declined one would take the lamp's units a second time: the escalation is refused.
    expect(await codes(t.url, EscalateReturnRequestDocument, { id: declined.id }, buyer.token)).toEqual(['CONFLICT']);
    expect((await ok(t.url, ReturnRequestDocument, { id: declined.id }, buyer.token)).returnRequest.status).toBe(
      'DECLINED',
    );
    await refundedOnce(buyer, order.id);
  });

  it('cannot be refunded again by escalating an older request whose refund failed', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const { order, lampLine } = await lampAndRug(owner, buyer);
    // While payments holds the payment as not yet settled, it refuses the refund: the request ends REFUND_FAILED.
    await sql(`update payments.payments set status = 'PROCESSING' where order_id = $1`, [order.id]);
    const failed = await requestReturn(
      { orderId: order.id, items: [{ orderItemId: lampLine.id, quantity: 1 }], reason: 'DEFECTIVE' },
      buyer,
    );
    await ok(t.url, AcceptReturnRequestDocument, { id: failed.id }, owner.token);
    await returnReaches(buyer, failed.id, 'REFUND_FAILED');
    await sql(`update payments.payments set status = 'SUCCEEDED' where order_id = $1`, [order.id]);
    // Nothing came back through the failed request, so a new one for the lamp is allowed, and refunded.
    await refundedAgain(owner, buyer, order.id, lampLine.id);

    expect(await codes(t.url, EscalateReturnRequestDocument, { id: failed.id }, buyer.token)).toEqual(['CONFLICT']);
    expect((await ok(t.url, ReturnRequestDocument, { id: failed.id }, buyer.token)).returnRequest.status).toBe(
      'REFUND_FAILED',
    );
    // The one lamp bought has come back: no request may ask for it again.
    expect(
      await codes(
        t.url,
        RequestReturnDocument,
        { input: { orderId: order.id, items: [{ orderItemId: lampLine.id, quantity: 1 }], reason: 'DEFECTIVE' } },
        buyer.token,
      ),
    ).toEqual(['CONFLICT']);
    await refundedOnce(buyer, order.id);
  });
});

describe('return photos', () => {
  it('are shown to the seller (and admins) once drive accepts them, never to a stranger, and only the buyer’s own files are accepted', async () => {
    const [owner, buyer, stranger, staff] = await Promise.all([
      seller(t),
      signUp(t, 'buyer'),
      signUp(t, 'stranger'),
      dbAdmin(t),
    ]);
    const vase = await listed(t, owner, { title: 'Glass vase', priceAmount: 1500 });
    const order = await paidOrder(buyer, [{ productId: vase.id, quantity: 1 }]);
    const [front, back, notMine] = await Promise.all([
      upload(t.url, buyer.token, 'front.jpg', Buffer.from('a crack, from the front'), { mimeType: 'image/jpeg' }),
      upload(t.url, buyer.token, 'back.jpg', Buffer.from('a crack, from the back'), { mimeType: 'image/jpeg' }),
      upload(t.url, stranger.token, 'other.jpg', Buffer.from('someone else’s photo'), { mimeType: 'image/jpeg' }),
    ]);
    // Private files: the seller cannot see them before the request.
    expect(await codes(t.url, FileDocument, { id: front.id }, owner.token)).toEqual(['NOT_FOUND']);

    const asked = await requestReturn(
      {
        orderId: order.id,
        items: [{ orderItemId: order.items[0]!.id, quantity: 1 }],
        reason: 'DAMAGED',
        photoIds: [front.id, back.id, notMine.id],
      },
      buyer,
    );
    expect(asked.photosChecked).toBe(false);
    const checked = await waitFor('drive to check the photos', async () => {
      const seen = (await ok(t.url, ReturnRequestDocument, { id: asked.id }, owner.token)).returnRequest;
      return seen.photosChecked ? seen : null;
    });
    expect(checked.photos.map((p) => p?.name).sort()).toEqual(['back.jpg', 'front.jpg']);
    expect(checked.photos.every((p) => p?.downloadUrl)).toBe(true);
    expect(checked.refusedPhotoIds).toEqual([]);
    expect(
      (await ok(t.url, ReturnRequestDocument, { id: asked.id }, buyer.token)).returnRequest.refusedPhotoIds,
    ).toEqual([notMine.id]);
    // Were drive's handler to run again for the request (a replay, a second event), it answers the same.
    const answers: { name: string; body: { accepted: string[]; refused: string[] } }[] = [];
    const drive = t.stack.subgraphs.find((s) => s.name === 'drive')!;
    const checkPhotos = returnPhotoHandlers()['marketplace.return.changed'] as {
      handle: (payload: never, context: never) => Promise<void>;
    };
    const payload = {
      returnRequestId: asked.id,
      buyerId: buyer.id,
      sellerId: owner.id,
      previousStatus: null,
      photoIds: [front.id, back.id, notMine.id],
    };
    await drive.orm.em
      .fork()
      .transactional((em) =>
        checkPhotos.handle(
          payload as never,
          { em, publish: (name: string, body: never) => answers.push({ name, body }) } as never,
        ),
      );
    expect(
      answers.map((a) => ({ name: a.name, accepted: [...a.body.accepted].sort(), refused: a.body.refused })),
    ).toEqual([{ name: 'drive.return_photos.checked', accepted: [front.id, back.id].sort(), refused: [notMine.id] }]);
    const download = await fetch(checked.photos.find((p) => p?.name === 'front.jpg')!.downloadUrl!);
    expect(await download.text()).toBe('a crack, from the front');
    expect((await ok(t.url, FileDocument, { id: front.id }, owner.token)).file.name).toBe('front.jpg');
    // The stranger's own file was not shared with the seller by being named.
    expect(await codes(t.url, FileDocument, { id: notMine.id }, owner.token)).toEqual(['NOT_FOUND']);
    // Admins see the request and its photos; a stranger sees neither.
    expect((await ok(t.url, ReturnRequestDocument, { id: asked.id }, staff.token)).returnRequest.photos).toHaveLength(
      2,
    );
    expect(await codes(t.url, ReturnRequestDocument, { id: asked.id }, stranger.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, FileDocument, { id: front.id }, stranger.token)).toEqual(['NOT_FOUND']);
    // A photo its owner trashed is a null entry for the seller; the request itself still reads.
    await ok(t.url, DeleteFileDocument, { id: back.id }, buyer.token);
    const photos = (await ok(t.url, ReturnRequestDocument, { id: asked.id }, owner.token)).returnRequest.photos;
    expect(photos.map((p) => p?.name ?? null).sort()).toEqual(['front.jpg', null]);
  });
});

describe('return requests refuse', () => {
  it('the wrong people and bad input, with stable codes', async () => {
    const [owner, buyer, stranger] = await Promise.all([seller(t), signUp(t, 'buyer'), signUp(t, 'stranger')]);
    const [mug, plate] = await Promise.all([
      listed(t, owner, { title: 'Mug', priceAmount: 900 }),
      listed(t, owner, { title: 'Plate', priceAmount: 1200 }),
    ]);
    const order = await paidOrder(buyer, [
      { productId: mug.id, quantity: 2 },
      { productId: plate.id, quantity: 1 },
    ]);
    const other = await paidOrder(buyer, [{ productId: mug.id, quantity: 1 }]);
    const mugLine = order.items.find((i) => i.title === 'Mug')!;
    const plateLine = order.items.find((i) => i.title === 'Plate')!;
    const ask = (input: Partial<RequestReturnInput>, who: Account = buyer) =>
      codes(
        t.url,
        RequestReturnDocument,
        {
          input: { orderId: order.id, items: [{ orderItemId: mugLine.id, quantity: 1 }], reason: 'DAMAGED', ...input },
        },
        who.token,
      );

    // Who: a stranger does not see the order; its seller is not its buyer.
    expect(await ask({}, stranger)).toEqual(['NOT_FOUND']);
    expect(await ask({}, owner)).toEqual(['FORBIDDEN']);
    expect(await ask({ orderId: UNKNOWN })).toEqual(['NOT_FOUND']);
    // What: at least one line, each once, units 1 to what was bought, lines of this order only.
    expect(await ask({ items: [] })).toEqual(['BAD_USER_INPUT']);
    expect(await ask({ items: [{ orderItemId: mugLine.id, quantity: 0 }] })).toEqual(['BAD_USER_INPUT']);
    expect(await ask({ items: [{ orderItemId: mugLine.id, quantity: 3 }] })).toEqual(['BAD_USER_INPUT']);
    expect(
      await ask({
        items: [
          { orderItemId: mugLine.id, quantity: 1 },
          { orderItemId: mugLine.id, quantity: 1 },
        ],
      }),
    ).toEqual(['BAD_USER_INPUT']);
    expect(await ask({ items: [{ orderItemId: other.items[0]!.id, quantity: 1 }] })).toEqual(['BAD_USER_INPUT']);
    expect(
      await ask({ items: Array.from({ length: 51 }, () => ({ orderItemId: randomUUID(), quantity: 1 })) }),
    ).toEqual(['BAD_USER_INPUT']);
    // Why: OTHER needs words; words and photos have limits.
    expect(await ask({ reason: 'OTHER' })).toEqual(['BAD_USER_INPUT']);
    expect(await ask({ details: 'x'.repeat(1001) })).toEqual(['BAD_USER_INPUT']);
    expect(await ask({ photoIds: Array.from({ length: 6 }, () => randomUUID()) })).toEqual(['BAD_USER_INPUT']);
    expect(await ask({ photoIds: ['not-a-file'] })).toEqual(['BAD_USER_INPUT']);
    expect(
      (
        await request(
          t.url,
          RequestReturnDocument,
          { input: { orderId: order.id, items: [], reason: 'BROKEN' as never } },
          { token: buyer.token },
        )
      ).errors?.[0]?.extensions?.code,
    ).toBe('BAD_USER_INPUT');
    // An unpaid order: nothing to give back.
    const unpaid = (await buy(t, buyer, plate.id, 'pm_card_threeDSecure2Required')).orders[0]!;
    const unpaidOrder = await orderReaches(t, buyer, unpaid.id, 'PENDING_PAYMENT');
    expect(
      await codes(
        t.url,
        RequestReturnDocument,
        {
          input: {
            orderId: unpaid.id,
            items: [{ orderItemId: unpaidOrder.items[0]!.id, quantity: 1 }],
            reason: 'DAMAGED',
          },
        },
        buyer.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);

    // One open request per line: the mug is taken, the plate is free.
    const first = await requestReturn(
      { orderId: order.id, items: [{ orderItemId: mugLine.id, quantity: 1 }], reason: 'OTHER', details: 'Chipped rim' },
      buyer,
    );
    expect(await ask({ items: [{ orderItemId: mugLine.id, quantity: 1 }] })).toEqual(['CONFLICT']);
    expect(
      await ask({
        items: [
          { orderItemId: plateLine.id, quantity: 1 },
          { orderItemId: mugLine.id, quantity: 1 },
        ],
      }),
    ).toEqual(['CONFLICT']);
    // Two at once for one line: one wins.
    const raced = await Promise.all([
      ask({ items: [{ orderItemId: plateLine.id, quantity: 1 }] }),
      ask({ items: [{ orderItemId: plateLine.id, quantity: 1 }] }),
    ]);
    expect(raced.map((c) => c.join()).sort()).toEqual(['', 'CONFLICT']);

    // Answers: only the seller accepts or declines; only the buyer escalates; strangers see nothing.
    expect(await codes(t.url, AcceptReturnRequestDocument, { id: first.id }, buyer.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, DeclineReturnRequestDocument, { id: first.id, reason: 'No' }, buyer.token)).toEqual([
      'FORBIDDEN',
    ]);
    expect(await codes(t.url, AcceptReturnRequestDocument, { id: first.id }, stranger.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, ReturnRequestDocument, { id: first.id }, stranger.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, EscalateReturnRequestDocument, { id: first.id }, stranger.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, EscalateReturnRequestDocument, { id: first.id }, owner.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, ReturnRequestDocument, { id: 'nonsense' }, buyer.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, MyReturnRequestsDocument, { first: 0 }, buyer.token)).toEqual(['BAD_USER_INPUT']);
    expect((await ok(t.url, MyReturnRequestsDocument, {}, stranger.token)).myReturnRequests.edges).toEqual([]);
    expect(await codes(t.url, MyReturnRequestsDocument, {})).toEqual(['UNAUTHENTICATED']);
    expect((await ok(t.url, ReturnRequestDocument, { id: first.id }, owner.token)).returnRequest).toMatchObject({
      status: 'REQUESTED',
      reason: 'OTHER',
      details: 'Chipped rim',
    });
  });
});

describe('a return the seller leaves unanswered', () => {
  let quick: TestStack;
  beforeAll(async () => {
    // Sellers get one second to answer here, so the buyer's wait stays short.
    quick = await startTestStack({ RETURN_ANSWER_SECONDS: '1' });
  });
  afterAll(async () => {
    await quick?.stop();
  });

  it('may be escalated by the buyer once `answerBy` has passed, and the admins are told', async () => {
    // The helpers above act on `t`: pointed at this stack for the test (a file's tests run one at a time).
    const saved = t;
    t = quick;
    try {
      const [owner, buyer, staff] = await Promise.all([seller(t), signUp(t, 'buyer'), announcedAdmin()]);
      const clock = await listed(t, owner, { title: 'Wall clock', priceAmount: 4000 });
      const order = await paidOrder(buyer, [{ productId: clock.id, quantity: 1 }]);
      const asked = await requestReturn(
        { orderId: order.id, items: [{ orderItemId: order.items[0]!.id, quantity: 1 }], reason: 'NOT_AS_DESCRIBED' },
        buyer,
      );
      await waitFor('the seller’s time to answer to pass', () => Date.now() > Date.parse(asked.answerBy) + 50);
      const escalated = (
        await ok(
          t.url,
          EscalateReturnRequestDocument,
          { id: asked.id, note: 'No answer from the seller.' },
          buyer.token,
        )
      ).escalateReturnRequest;
      expect(escalated).toMatchObject({
        status: 'ESCALATED',
        declineReason: null,
        escalationNote: 'No answer from the seller.',
      });
      // Escalated, the seller can no longer answer it; the admins decide.
      expect(await codes(t.url, AcceptReturnRequestDocument, { id: asked.id }, owner.token)).toEqual(['CONFLICT']);
      await returnNotice(staff, /^Return escalated: 1 × Wall clock$/);
      await ok(
        t.url,
        ResolveReturnRequestDocument,
        { id: asked.id, decision: 'REFUND', note: 'The seller did not answer.' },
        staff.token,
      );
      await returnReaches(buyer, asked.id, 'REFUNDED');
      await orderReaches(t, buyer, order.id, 'REFUNDED');
    } finally {
      t = saved;
    }
  });
});
