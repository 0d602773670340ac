import { randomUUID } from 'node:crypto';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AddToCartDocument,
  ArchiveProductDocument,
  CancelOrderDocument,
  CategoriesDocument,
  CartDocument,
  CheckoutDocument,
  CreateProductDocument,
  DeleteFileDocument,
  DeleteFileForeverDocument,
  TrashDocument,
  MarkOrderDeliveredDocument,
  MarkOrderShippedDocument,
  MyOrdersDocument,
  OrderNotificationsDocument,
  OrderDocument,
  OrderUpdatedDocument,
  PaymentStatusDocument,
  OrderRefundedDocument,
  RefundPaymentDocument,
  ProductDocument,
  ProductsDocument,
  PromoteProductDocument,
  CampaignsDocument,
  RecordAdClickDocument,
  SponsoredSearchDocument,
  ProductFilesDocument,
  OrderDownloadsDocument,
  SetFileVisibilityDocument,
  FileDocument,
  ProductReviewsDocument,
  ReviewProductDocument,
  ReviewSellerDocument,
  SellerProfileDocument,
  type ProductsQuery,
  PublishProductDocument,
  RemoveFromCartDocument,
  RestoreFileDocument,
  SalesDocument,
  UpdateCartItemDocument,
  UpdateProductDocument,
} from './generated/graphql.js';
import { codes, ok, request, Subscription, wsClient } from './support/client.js';
import { ADDRESS, buy, listed, orderReaches, seller, stockOf, type Account } from './support/marketplace.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';
import { upload } from './support/drive.js';
import { answerSandbox3ds, onGateway } from './support/payer-pages.js';

let t: TestStack;
beforeAll(async () => {
  // Unpaid orders expire after 5 s here, so the test of it stays short.
  t = await startTestStack({ ORDER_PAYMENT_SECONDS: '5' });
});
afterAll(async () => {
  await t?.stop();
});

const UNKNOWN = '0195f000-0000-7000-8000-0000000000ff';
/** Waits for an ORDER notification whose title matches, as `who` sees it. */
const orderNotice = (who: Account, title: RegExp) =>
  waitFor(`${who.username} to hear ${title}`, async () =>
    (await ok(t.url, OrderNotificationsDocument, {}, who.token)).notifications.edges
      .map((e) => e.node)
      .find((n) => n.kind === 'ORDER' && title.test(n.title)),
  );

describe('the catalog', () => {
  it('lets sellers list, publish, edit and archive their own products, and nobody else', async () => {
    const [owner, other, buyer] = await Promise.all([seller(t), seller(t), signUp(t, 'buyer')]);
    const { createProduct: draft } = await ok(
      t.url,
      CreateProductDocument,
      {
        input: {
          title: 'Walnut desk',
          description: 'Solid walnut',
          kind: 'PHYSICAL',
          priceAmount: 45000,
          currency: 'USD',
          stock: 2,
        },
      },
      owner.token,
    );
    expect(draft).toMatchObject({
      status: 'DRAFT',
      stock: 2,
      price: { amount: 45000, currency: 'usd' },
      seller: { id: owner.id, displayName: owner.displayName },
      sponsored: false,
    });
    // A draft is its seller's alone.
    expect(await codes(t.url, ProductDocument, { id: draft.id }, buyer.token)).toEqual(['NOT_FOUND']);
    expect(
      (await ok(t.url, ProductsDocument, { filter: { sellerId: owner.id } }, owner.token)).products.edges.map(
        (e) => e.node.id,
      ),
    ).toEqual([draft.id]);
    expect((await ok(t.url, ProductsDocument, { filter: { sellerId: owner.id } }, buyer.token)).products.edges).toEqual(
      [],
    );

    await ok(t.url, PublishProductDocument, { id: draft.id }, owner.token);
    expect((await ok(t.url, ProductDocument, { id: draft.id }, buyer.token)).product.status).toBe('ACTIVE');
    expect(
      (await ok(t.url, ProductsDocument, { filter: { sellerId: owner.id } })).products.edges.map((e) => e.node.id),
    ).toEqual([draft.id]);

    // Another seller, a buyer and an anonymous caller change nothing.
    expect(await codes(t.url, UpdateProductDocument, { id: draft.id, input: { priceAmount: 1 } }, other.token)).toEqual(
      ['FORBIDDEN'],
    );
    expect(await codes(t.url, ArchiveProductDocument, { id: draft.id }, buyer.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, UpdateProductDocument, { id: draft.id, input: { priceAmount: 1 } })).toEqual([
      'UNAUTHENTICATED',
    ]);
    expect(
      await codes(
        t.url,
        CreateProductDocument,
        { input: { title: 'Nope', kind: 'DIGITAL', priceAmount: 100, currency: 'usd' } },
        buyer.token,
      ),
    ).toEqual(['FORBIDDEN']);

    const { updateProduct } = await ok(
      t.url,
      UpdateProductDocument,
      { id: draft.id, input: { priceAmount: 42000, stock: 0 } },
      owner.token,
    );
    expect(updateProduct).toMatchObject({ price: { amount: 42000 }, stock: 0, status: 'SOLD_OUT' });
    expect((await ok(t.url, ArchiveProductDocument, { id: draft.id }, owner.token)).archiveProduct.status).toBe(
      'ARCHIVED',
    );
    expect(await codes(t.url, ProductDocument, { id: draft.id }, buyer.token)).toEqual(['NOT_FOUND']);
  });

  it('refuses bad input with the field at fault', async () => {
    const owner = await seller(t);
    const create = async (input: Record<string, unknown>) => {
      const result = await request(
        t.url,
        CreateProductDocument,
        { input: { title: 'Lamp', kind: 'PHYSICAL', priceAmount: 1000, currency: 'usd', stock: 1, ...input } as never },
        { token: owner.token },
      );
      return result.errors?.map((e) => [e.extensions?.code, e.extensions?.field]);
    };
    expect(await create({ title: '  ' })).toEqual([['BAD_USER_INPUT', 'title']]);
    expect(await create({ priceAmount: 0 })).toEqual([['BAD_USER_INPUT', 'priceAmount']]);
    expect(await create({ currency: 'dollars' })).toEqual([['BAD_USER_INPUT', 'priceAmount']]);
    expect(await create({ stock: -1 })).toEqual([['BAD_USER_INPUT', 'stock']]);
    expect(await create({ kind: 'DIGITAL', stock: 3 })).toEqual([['BAD_USER_INPUT', 'stock']]);
    expect(await create({ digitalFileId: 'not-a-file' })).toEqual([['BAD_USER_INPUT', 'digitalFileId']]);
    expect(await codes(t.url, PublishProductDocument, { id: UNKNOWN }, owner.token)).toEqual(['NOT_FOUND']);
    // A digital product goes on sale only with the file it delivers.
    const { createProduct: empty } = await ok(
      t.url,
      CreateProductDocument,
      { input: { title: 'Nothing inside', kind: 'DIGITAL', priceAmount: 100, currency: 'usd' } },
      owner.token,
    );
    expect(await codes(t.url, PublishProductDocument, { id: empty.id }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, ProductDocument, { id: 'nonsense' })).toEqual(['NOT_FOUND']);
    expect(
      (await ok(t.url, ProductsDocument, { filter: { sellerId: owner.id } }, owner.token)).products.edges.map(
        (e) => e.node.id,
      ),
    ).toEqual([empty.id]);
  });
});

describe('search', () => {
  /** A word no other test's products contain, so each run searches only its own. */
  const word = () => `w${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const ids = (result: { products: { edges: { node: { id: string } }[] } }) =>
    result.products.edges.map((e) => e.node.id);

  it('finds products by their words, ranking title matches above description matches', async () => {
    const owner = await seller(t);
    const tag = word();
    const walnut = await listed(t, owner, { title: `Walnut desk ${tag}` });
    const lamp = await listed(t, owner, { title: `Brass desk lamps ${tag}` });
    const organizer = await listed(t, owner, { title: `Organizer ${tag}`, description: 'Keeps your desk tidy' });
    await listed(t, owner, { title: `Phone case ${tag}` });
    await ok(
      t.url,
      CreateProductDocument,
      { input: { title: `Draft desk ${tag}`, kind: 'DIGITAL', priceAmount: 100, currency: 'usd' } },
      owner.token,
    );

    const found = ids(await ok(t.url, ProductsDocument, { filter: { search: `${tag} desk` } }));
    expect(new Set(found)).toEqual(new Set([walnut.id, lamp.id, organizer.id]));
    expect(found.at(-1)).toBe(organizer.id);
    // Stemming: "lamp" finds "lamps"; a minus excludes.
    expect(ids(await ok(t.url, ProductsDocument, { filter: { search: `${tag} lamp` } }))).toEqual([lamp.id]);
    expect(new Set(ids(await ok(t.url, ProductsDocument, { filter: { search: `${tag} desk -brass` } })))).toEqual(
      new Set([walnut.id, organizer.id]),
    );
  });

  it('filters by category (with its subcategories), price, kind and stock, and sorts', async () => {
    const owner = await seller(t);
    const tag = word();
    const { categories } = await ok(t.url, CategoriesDocument, {});
    const home = categories.find((c) => c.name === 'Home')!;
    const furniture = home.children.find((c) => c.name === 'Furniture')!;
    const phones = categories.find((c) => c.name === 'Electronics')!.children.find((c) => c.name === 'Phones')!;
    const chair = await listed(t, owner, { title: `Chair ${tag}`, priceAmount: 5000, categoryId: furniture.id });
    const pan = await listed(t, owner, { title: `Pan ${tag}`, priceAmount: 2000, categoryId: home.id, stock: 1 });
    const phone = await listed(t, owner, { title: `Phone ${tag}`, priceAmount: 30000, categoryId: phones.id });
    const guide = await listed(t, owner, { title: `Guide ${tag}`, priceAmount: 900, kind: 'DIGITAL', stock: null });
    await ok(t.url, UpdateProductDocument, { id: pan.id, input: { stock: 0 } }, owner.token);
    expect((await ok(t.url, ProductDocument, { id: chair.id })).product.category).toEqual({
      id: furniture.id,
      name: 'Furniture',
    });

    const search = (filter: Record<string, unknown>, sort?: 'PRICE_ASC' | 'PRICE_DESC' | 'NEWEST') =>
      ok(t.url, ProductsDocument, { filter: { search: tag, ...filter }, sort }).then(ids);
    expect(new Set(await search({ categoryId: home.id }))).toEqual(new Set([chair.id, pan.id]));
    expect(await search({ categoryId: furniture.id })).toEqual([chair.id]);
    expect(new Set(await search({ minPrice: 1000, maxPrice: 6000 }))).toEqual(new Set([chair.id, pan.id]));
    expect(await search({ kind: 'DIGITAL' })).toEqual([guide.id]);
    expect(new Set(await search({ inStock: true }))).toEqual(new Set([chair.id, phone.id, guide.id]));
    expect(await search({}, 'PRICE_ASC')).toEqual([guide.id, pan.id, chair.id, phone.id]);
    expect(await search({}, 'PRICE_DESC')).toEqual([phone.id, chair.id, pan.id, guide.id]);
    expect(await search({}, 'NEWEST')).toEqual([guide.id, phone.id, pan.id, chair.id]);
  });

  it('pages through results without repeats, and refuses a cursor from another sort or bad filters', async () => {
    const owner = await seller(t);
    const tag = word();
    for (const price of [700, 300, 500, 100, 900]) await listed(t, owner, { title: `Item ${tag}`, priceAmount: price });
    const seen: number[] = [];
    let after: string | null | undefined = null;
    do {
      const page: ProductsQuery = await ok(t.url, ProductsDocument, {
        filter: { search: tag },
        sort: 'PRICE_ASC',
        first: 2,
        after,
      });
      seen.push(...page.products!.edges.map((e) => e.node.price.amount));
      after = page.products!.pageInfo.hasNextPage ? page.products!.pageInfo.endCursor : null;
      if (after)
        expect(
          await codes(t.url, ProductsDocument, { filter: { search: tag }, sort: 'PRICE_DESC', first: 2, after }),
        ).toEqual(['BAD_USER_INPUT']);
    } while (after);
    expect(seen).toEqual([100, 300, 500, 700, 900]);

    expect(await codes(t.url, ProductsDocument, { filter: { categoryId: 'nope' } })).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, ProductsDocument, { filter: { minPrice: -1 } })).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, ProductsDocument, { filter: { search: 'x'.repeat(201) } })).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, ProductsDocument, { after: 'garbage' })).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(
        t.url,
        CreateProductDocument,
        { input: { title: 'Lost', kind: 'DIGITAL', priceAmount: 100, currency: 'usd', categoryId: UNKNOWN } },
        owner.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });
});

describe('the cart', () => {
  it('adds, changes and removes products within stock, and never one of your own', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const desk = await listed(t, owner, { stock: 3, priceAmount: 2500 });
    const ebook = await listed(t, owner, { kind: 'DIGITAL', stock: null, priceAmount: 900 });

    await ok(t.url, AddToCartDocument, { productId: desk.id, quantity: 2 }, buyer.token);
    const { addToCart } = await ok(t.url, AddToCartDocument, { productId: ebook.id }, buyer.token);
    expect(addToCart.lines.map((l) => [l.product.id, l.quantity, l.subtotal.amount])).toEqual([
      [desk.id, 2, 5000],
      [ebook.id, 1, 900],
    ]);
    expect(addToCart.totals).toEqual([{ amount: 5900, currency: 'usd' }]);

    expect(await codes(t.url, AddToCartDocument, { productId: desk.id, quantity: 2 }, buyer.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, AddToCartDocument, { productId: desk.id }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, AddToCartDocument, { productId: UNKNOWN }, buyer.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, AddToCartDocument, { productId: desk.id, quantity: 0 }, buyer.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, CartDocument, {})).toEqual(['UNAUTHENTICATED']);
    // No line may cost more than an order can hold (a 32-bit amount).
    const yacht = await listed(t, owner, { priceAmount: 100_000_000, stock: 99 });
    expect(await codes(t.url, AddToCartDocument, { productId: yacht.id, quantity: 30 }, buyer.token)).toEqual([
      'BAD_USER_INPUT',
    ]);

    expect(
      (await ok(t.url, UpdateCartItemDocument, { productId: desk.id, quantity: 3 }, buyer.token)).updateCartItem
        .totals[0]?.amount,
    ).toBe(8400);
    expect(
      (await ok(t.url, RemoveFromCartDocument, { productId: ebook.id }, buyer.token)).removeFromCart.lines.map(
        (l) => l.product.id,
      ),
    ).toEqual([desk.id]);
    expect(
      (await ok(t.url, UpdateCartItemDocument, { productId: desk.id, quantity: 0 }, buyer.token)).updateCartItem.lines,
    ).toEqual([]);
    expect(await codes(t.url, RemoveFromCartDocument, { productId: desk.id }, buyer.token)).toEqual(['NOT_FOUND']);
  });
});

describe('checkout and payment', () => {
  it('carries an order from checkout to delivery, live for buyer and seller, with the payment on record', async () => {
    const [owner, buyer, outsider] = await Promise.all([seller(t), signUp(t, 'buyer'), signUp(t, 'outsider')]);
    const lamp = await listed(t, owner, { title: 'Brass lamp', stock: 4, priceAmount: 3000 });

    const { orders, changes } = await buy(t, buyer, lamp.id, 'pm_card_visa', 2);
    expect(changes).toEqual([]);
    expect(orders).toHaveLength(1);
    const [placed] = orders;
    expect(placed).toMatchObject({
      status: 'PENDING_PAYMENT',
      total: { amount: 6000, currency: 'usd' },
      buyer: { id: buyer.id },
      seller: { id: owner.id },
    });
    expect(placed!.items).toEqual([
      {
        id: expect.any(String),
        title: 'Brass lamp',
        quantity: 2,
        unitPrice: { amount: 3000 },
        product: { id: lamp.id, title: 'Brass lamp' },
      },
    ]);
    const itemId = placed!.items[0]!.id;
    expect(await stockOf(t, lamp.id, buyer)).toBe(2);
    expect((await ok(t.url, CartDocument, {}, buyer.token)).cart.lines).toEqual([]);

    await orderReaches(t, buyer, placed!.id, 'PAID');
    const buyerSees = (await ok(t.url, PaymentStatusDocument, { orderId: placed!.id }, buyer.token)).paymentStatus;
    expect(buyerSees).toMatchObject({
      status: 'SUCCEEDED',
      amount: 6000,
      currency: 'usd',
      provider: 'sandbox',
      order: { id: placed!.id },
    });
    expect(buyerSees.clientSecret).toEqual(expect.any(String));
    expect(
      (await ok(t.url, PaymentStatusDocument, { orderId: placed!.id }, owner.token)).paymentStatus.clientSecret,
    ).toBeNull();
    expect(await codes(t.url, PaymentStatusDocument, { orderId: placed!.id }, outsider.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, OrderDocument, { id: placed!.id }, outsider.token)).toEqual(['NOT_FOUND']);
    expect(
      (await ok(t.url, MyOrdersDocument, { status: 'PAID' }, buyer.token)).myOrders.edges.map((e) => e.node.id),
    ).toEqual([placed!.id]);
    expect((await ok(t.url, SalesDocument, {}, owner.token)).sales.edges.map((e) => e.node.id)).toEqual([placed!.id]);

    // The seller hears of the sale; the buyer gets a receipt, in the app and by email.
    expect(await orderNotice(owner, /^New order: 2 × Brass lamp$/)).toMatchObject({
      body: expect.stringContaining('$60.00'),
      order: { id: placed!.id, status: 'PAID' },
    });
    expect(await orderNotice(buyer, /^Payment received$/)).toMatchObject({ order: { id: placed!.id } });
    expect((await t.mailbox.waitFor(buyer.email, /^Payment received$/)).text).toContain(
      '2 × Brass lamp is paid: $60.00',
    );

    // Both parties watch the rest of the order's life.
    const watchers = [buyer, owner].map((who) => {
      const client = wsClient(t.url, who.token);
      return { client, subscription: new Subscription(client, OrderUpdatedDocument, { orderId: placed!.id }) };
    });
    const outsiderClient = wsClient(t.url, outsider.token);
    const outsiderWatch = new Subscription(outsiderClient, OrderUpdatedDocument, { orderId: placed!.id });
    await waitFor(
      'three order subscriptions',
      () =>
        t.stack.gateway.live.subscriptionsOf(buyer.id) +
          t.stack.gateway.live.subscriptionsOf(owner.id) +
          t.stack.gateway.live.subscriptionsOf(outsider.id) >=
        3,
    );

    expect(await codes(t.url, MarkOrderShippedDocument, { id: placed!.id, trackingNumber: 'X1' }, buyer.token)).toEqual(
      ['FORBIDDEN'],
    );
    expect(await codes(t.url, MarkOrderDeliveredDocument, { id: placed!.id }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(
      (await ok(t.url, MarkOrderShippedDocument, { id: placed!.id, trackingNumber: ' 1Z999 ' }, owner.token))
        .markOrderShipped,
    ).toMatchObject({ status: 'SHIPPED', trackingNumber: '1Z999' });
    expect(
      (await ok(t.url, MarkOrderDeliveredDocument, { id: placed!.id }, owner.token)).markOrderDelivered.status,
    ).toBe('DELIVERED');

    for (const { subscription } of watchers) {
      await waitFor('two order updates', () => subscription.results.length >= 2);
      // One update per change, each showing the order as it is when sent: on a busy machine the
      // first may already be DELIVERED, but none goes back to SHIPPED after it.
      const statuses = subscription.results.map((r) => r.data?.orderUpdated!.status);
      expect(statuses).toHaveLength(2);
      expect([
        ['SHIPPED', 'DELIVERED'],
        ['DELIVERED', 'DELIVERED'],
      ]).toContainEqual(statuses);
      expect(subscription.results[1]?.data?.orderUpdated).toMatchObject({
        seller: { displayName: owner.displayName },
        items: [{ product: { title: 'Brass lamp' } }],
      });
    }
    expect(outsiderWatch.results).toEqual([]);
    expect((await orderNotice(buyer, /has shipped/)).body).toContain('1Z999');

    // Delivered: the buyer reviews the product and the seller, once each; nobody else can.
    expect(await codes(t.url, ReviewProductDocument, { orderItemId: itemId, rating: 5 }, outsider.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect(await codes(t.url, ReviewProductDocument, { orderItemId: itemId, rating: 6 }, buyer.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    const { reviewProduct } = await ok(
      t.url,
      ReviewProductDocument,
      { orderItemId: itemId, rating: 4, body: ' Bright and solid ' },
      buyer.token,
    );
    expect(reviewProduct).toMatchObject({ rating: 4, body: 'Bright and solid', author: { id: buyer.id } });
    expect(await codes(t.url, ReviewProductDocument, { orderItemId: itemId, rating: 1 }, buyer.token)).toEqual([
      'CONFLICT',
    ]);
    expect((await ok(t.url, ProductReviewsDocument, { id: lamp.id })).product).toMatchObject({
      rating: { average: 4, count: 1 },
      reviews: { edges: [{ node: { rating: 4, body: 'Bright and solid', author: { username: buyer.username } } }] },
    });
    expect(await codes(t.url, ReviewSellerDocument, { orderId: placed!.id, rating: 5 }, owner.token)).toEqual([
      'NOT_FOUND',
    ]);
    await ok(t.url, ReviewSellerDocument, { orderId: placed!.id, rating: 5, body: 'Fast shipping' }, buyer.token);
    expect(await codes(t.url, ReviewSellerDocument, { orderId: placed!.id, rating: 5 }, buyer.token)).toEqual([
      'CONFLICT',
    ]);
    expect((await ok(t.url, SellerProfileDocument, { username: owner.username })).user).toMatchObject({
      displayName: owner.displayName,
      sellerRating: { average: 5, count: 1 },
      products: { edges: [{ node: { id: lamp.id, title: 'Brass lamp' } }] },
    });
    await Promise.all([...watchers.map((w) => w.client.dispose()), outsiderClient.dispose()]);
  });

  it('marks a declined card PAYMENT_FAILED and puts the stock back', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const chair = await listed(t, owner, { stock: 3 });
    // The reservation itself may already be undone by the time we could look (the 3-D Secure test sees it held).
    const { orders } = await buy(t, buyer, chair.id, 'pm_card_chargeDeclined', 2);
    await orderReaches(t, buyer, orders[0]!.id, 'PAYMENT_FAILED');
    expect(await stockOf(t, chair.id, buyer)).toBe(3);
    expect(
      (await ok(t.url, PaymentStatusDocument, { orderId: orders[0]!.id }, buyer.token)).paymentStatus,
    ).toMatchObject({ status: 'FAILED', failureReason: expect.stringMatching(/declined/) });
    expect((await orderNotice(buyer, /did not go through/)).body).toContain('Nothing was charged');
    // Nothing was bought, so nothing can be reviewed.
    expect(
      await codes(t.url, ReviewProductDocument, { orderItemId: orders[0]!.items[0]!.id, rating: 5 }, buyer.token),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('leaves a 3-D Secure payment waiting, then expires the unpaid order and releases its stock', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const rug = await listed(t, owner, { stock: 1 });
    const { orders } = await buy(t, buyer, rug.id, 'pm_card_threeDSecure2Required');
    expect((await ok(t.url, ProductDocument, { id: rug.id }, buyer.token)).product).toMatchObject({
      stock: 0,
      status: 'SOLD_OUT',
    });
    const payment = await waitFor('the payment to need action', async () => {
      // PROCESSING while the charge is claimed and Stripe not yet answered.
      const found = (await request(t.url, PaymentStatusDocument, { orderId: orders[0]!.id }, { token: buyer.token }))
        .data?.paymentStatus;
      return found?.status === 'PROCESSING' ? null : found;
    });
    expect(payment).toMatchObject({ status: 'REQUIRES_ACTION', actionUrl: expect.stringMatching(/^https?:\/\//) });
    await orderReaches(t, buyer, orders[0]!.id, 'CANCELLED', 20_000);
    expect((await ok(t.url, ProductDocument, { id: rug.id }, buyer.token)).product).toMatchObject({
      stock: 1,
      status: 'ACTIVE',
    });
  });

  it('finishes 3-D Secure on the sandbox’s own page: passed, it pays; failed, it releases the stock', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const lamp = await listed(t, owner, { priceAmount: 4200, stock: 2 });
    const actionOf = async (orderId: string) => {
      const payment = await waitFor('the payment to need action', async () => {
        // PROCESSING while the charge is claimed and Stripe not yet answered.
        const found = (await request(t.url, PaymentStatusDocument, { orderId }, { token: buyer.token })).data
          ?.paymentStatus;
        return found?.status === 'PROCESSING' ? null : found;
      });
      expect(payment.status).toBe('REQUIRES_ACTION');
      return payment;
    };

    const passed = (await buy(t, buyer, lamp.id, 'pm_card_threeDSecure2Required')).orders[0]!;
    const payment = await actionOf(passed.id);
    expect(await answerSandbox3ds(t, payment.actionUrl!, 'succeed')).toMatchObject({
      status: 200,
      html: expect.stringContaining('Authenticated'),
    });
    await orderReaches(t, buyer, passed.id, 'PAID');
    // The page answers once: the link is spent, and the money taken can be given back.
    expect((await fetch(onGateway(t, payment.actionUrl!))).status).toBe(404);
    const refunded = await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId: payment.id, reason: 'Changed my mind' } },
      owner.token,
    );
    expect(refunded.refundPayment).toMatchObject({ status: 'REFUNDED', refundedAmount: 4200 });

    const failed = (await buy(t, buyer, lamp.id, 'pm_card_threeDSecure2Required')).orders[0]!;
    expect((await answerSandbox3ds(t, (await actionOf(failed.id)).actionUrl!, 'fail')).status).toBe(200);
    await orderReaches(t, buyer, failed.id, 'PAYMENT_FAILED');
    expect(
      (await ok(t.url, PaymentStatusDocument, { orderId: failed.id }, buyer.token)).paymentStatus.failureReason,
    ).toMatch(/failed authentication/);
    // Both lamps are back: one refunded before shipping (once the refund has reached the order), one never paid for.
    await orderReaches(t, buyer, passed.id, 'REFUNDED');
    expect(await stockOf(t, lamp.id, buyer)).toBe(2);

    // Links nobody was given lead nowhere; the page Stripe returns buyers to is there.
    expect(
      (await fetch(new URL('/payments/sandbox/authenticate/pi_sandbox_000000000000000000000000', t.url))).status,
    ).toBe(404);
    expect((await fetch(new URL('/payments/return?payment_intent=pi_x', t.url))).status).toBe(200);
  });

  it('places one order per seller, and a retried checkout returns the same orders', async () => {
    const [first, second, buyer] = await Promise.all([seller(t), seller(t), signUp(t, 'buyer')]);
    const [a, b] = [await listed(t, first), await listed(t, second, { kind: 'DIGITAL', stock: null })];
    await ok(t.url, AddToCartDocument, { productId: a.id }, buyer.token);
    await ok(t.url, AddToCartDocument, { productId: b.id }, buyer.token);
    const input = { idempotencyKey: randomUUID(), shippingAddress: ADDRESS, paymentMethodId: 'pm_card_visa' };
    const [once, again] = await Promise.all([
      ok(t.url, CheckoutDocument, { input }, buyer.token),
      ok(t.url, CheckoutDocument, { input }, buyer.token),
    ]);
    expect(once.checkout.orders.map((o) => o.seller!.id).sort()).toEqual([first.id, second.id].sort());
    expect(again.checkout.orders.map((o) => o.id).sort()).toEqual(once.checkout.orders.map((o) => o.id).sort());
    expect((await ok(t.url, MyOrdersDocument, {}, buyer.token)).myOrders.edges).toHaveLength(2);
    expect(await stockOf(t, a.id, buyer)).toBe(4);
  });

  it('tells the buyer what changed since they filled the cart, and orders nothing until they agree', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const [vase, bowl, cup] = [
      await listed(t, owner, { priceAmount: 1000 }),
      await listed(t, owner, { stock: 3 }),
      await listed(t, owner),
    ];
    await ok(t.url, AddToCartDocument, { productId: vase.id }, buyer.token);
    await ok(t.url, AddToCartDocument, { productId: bowl.id, quantity: 3 }, buyer.token);
    await ok(t.url, AddToCartDocument, { productId: cup.id }, buyer.token);
    await ok(t.url, UpdateProductDocument, { id: vase.id, input: { priceAmount: 1200 } }, owner.token);
    await ok(t.url, UpdateProductDocument, { id: bowl.id, input: { stock: 2 } }, owner.token);
    await ok(t.url, ArchiveProductDocument, { id: cup.id }, owner.token);

    const input = { idempotencyKey: randomUUID(), shippingAddress: ADDRESS, paymentMethodId: 'pm_card_visa' };
    const first = (await ok(t.url, CheckoutDocument, { input }, buyer.token)).checkout;
    expect(first.orders).toEqual([]);
    expect(first.changes).toEqual(
      expect.arrayContaining([
        {
          productId: vase.id,
          kind: 'PRICE_CHANGED',
          previousPrice: { amount: 1000 },
          price: { amount: 1200 },
          quantity: 1,
        },
        {
          productId: bowl.id,
          kind: 'QUANTITY_REDUCED',
          previousPrice: { amount: 1999 },
          price: { amount: 1999 },
          quantity: 2,
        },
        {
          productId: cup.id,
          kind: 'UNAVAILABLE',
          previousPrice: { amount: 1999 },
          price: { amount: 1999 },
          quantity: 0,
        },
      ]),
    );
    expect(first.changes).toHaveLength(3);
    expect(await stockOf(t, bowl.id, buyer)).toBe(2);

    const second = (await ok(t.url, CheckoutDocument, { input }, buyer.token)).checkout;
    expect(second.changes).toEqual([]);
    expect(second.orders[0]?.total.amount).toBe(1200 + 2 * 1999);
    // Both lines' stock taken at once; the bowl's last two sell it out.
    expect(await stockOf(t, vase.id, buyer)).toBe(4);
    expect((await ok(t.url, ProductDocument, { id: bowl.id }, buyer.token)).product).toMatchObject({
      stock: 0,
      status: 'SOLD_OUT',
    });
  });

  it('refuses bad checkouts and other people’s orders, and lets an unpaid order be cancelled', async () => {
    const [owner, buyer, outsider] = await Promise.all([seller(t), signUp(t, 'buyer'), signUp(t, 'outsider')]);
    const table = await listed(t, owner, { stock: 2 });
    const checkout = (input: Record<string, unknown>, token = buyer.token) =>
      codes(
        t.url,
        CheckoutDocument,
        {
          input: {
            idempotencyKey: randomUUID(),
            shippingAddress: ADDRESS,
            paymentMethodId: 'pm_card_visa',
            ...input,
          } as never,
        },
        token,
      );
    expect(await checkout({})).toEqual(['BAD_USER_INPUT']); // empty cart
    await ok(t.url, AddToCartDocument, { productId: table.id }, buyer.token);
    expect(await checkout({ shippingAddress: null })).toEqual(['BAD_USER_INPUT']);
    expect(await checkout({ shippingAddress: { ...ADDRESS, country: 'Germany' } })).toEqual(['BAD_USER_INPUT']);
    expect(await checkout({ idempotencyKey: ' ' })).toEqual(['BAD_USER_INPUT']);
    expect(await checkout({ paymentMethodId: '' })).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(t.url, CheckoutDocument, { input: { idempotencyKey: 'k', paymentMethodId: 'pm_card_visa' } }),
    ).toEqual(['UNAUTHENTICATED']);
    expect(await stockOf(t, table.id, buyer)).toBe(2);

    const { orders } = await buy(t, buyer, table.id, 'pm_card_threeDSecure2Required');
    const id = orders[0]!.id;
    expect(await codes(t.url, CancelOrderDocument, { id }, outsider.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, OrderDocument, { id: 'nonsense' }, buyer.token)).toEqual(['NOT_FOUND']);
    expect((await ok(t.url, CancelOrderDocument, { id }, buyer.token)).cancelOrder.status).toBe('CANCELLED');
    expect(await codes(t.url, CancelOrderDocument, { id }, buyer.token)).toEqual(['BAD_USER_INPUT']);
    expect(await stockOf(t, table.id, buyer)).toBe(2);
  });
});

describe('refunds', () => {
  it('give money back in parts, by the seller or an admin only, and end the order REFUNDED with the buyer told', async () => {
    const [owner, buyer, other] = await Promise.all([seller(t), signUp(t, 'buyer'), seller(t)]);
    const kettle = await listed(t, owner, { title: 'Copper kettle', priceAmount: 4000 });
    const { orders } = await buy(t, buyer, kettle.id, 'pm_card_visa', 2);
    const orderId = orders[0]!.id;
    await orderReaches(t, buyer, orderId, 'PAID');
    const { paymentStatus: payment } = await ok(t.url, PaymentStatusDocument, { orderId }, buyer.token);
    const refund = (input: Record<string, unknown>, token: string) =>
      request(
        t.url,
        RefundPaymentDocument,
        { input: { paymentId: payment.id, reason: 'Dented', ...input } as never },
        { token },
      );
    const codesOf = async (input: Record<string, unknown>, token: string) =>
      (await refund(input, token)).errors?.map((e) => e.extensions?.code);

    expect(await codesOf({ amount: 1000 }, buyer.token)).toEqual(['FORBIDDEN']);
    expect(await codesOf({ amount: 1000 }, other.token)).toEqual(['NOT_FOUND']);
    expect(await codesOf({ amount: 9000 }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codesOf({ amount: 0 }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codesOf({ reason: ' ' }, owner.token)).toEqual(['BAD_USER_INPUT']);

    // A retried request with the same key refunds once.
    const partial = await refund({ amount: 3000, idempotencyKey: 'dent-1' }, owner.token);
    expect(partial.data?.refundPayment).toMatchObject({
      status: 'PARTIALLY_REFUNDED',
      refundedAmount: 3000,
      refunds: [{ amount: 3000, reason: 'Dented' }],
    });
    expect(
      (await refund({ amount: 3000, idempotencyKey: 'dent-1' }, owner.token)).data?.refundPayment!.refundedAmount,
    ).toBe(3000);
    expect((await orderNotice(buyer, /^Refund issued$/)).body).toBe(
      '$30.00 for 2 × Copper kettle is on its way back to you ($30.00 so far).',
    );
    await waitFor(
      'the order to record the refund',
      async () => (await ok(t.url, OrderRefundedDocument, { id: orderId }, buyer.token)).order.refunded.amount === 3000,
    );

    // Without an amount, whatever is left; refunded whole before shipping, the stock returns.
    expect((await refund({}, owner.token)).data?.refundPayment).toMatchObject({
      status: 'REFUNDED',
      refundedAmount: 8000,
    });
    expect((await orderReaches(t, buyer, orderId, 'REFUNDED')).status).toBe('REFUNDED');
    expect(await stockOf(t, kettle.id, buyer)).toBe(5);
    expect(await codesOf({ amount: 1 }, owner.token)).toEqual(['BAD_USER_INPUT']);
  });

  it('follow when the seller cancels a paid order: all of it goes back and the stock returns', async () => {
    const [owner, buyer] = await Promise.all([seller(t), signUp(t, 'buyer')]);
    const stool = await listed(t, owner, { stock: 2, priceAmount: 2500 });
    const { orders } = await buy(t, buyer, stool.id);
    const orderId = orders[0]!.id;
    await orderReaches(t, buyer, orderId, 'PAID');
    expect(await codes(t.url, CancelOrderDocument, { id: orderId }, buyer.token)).toEqual(['BAD_USER_INPUT']);
    // A key of the seller's choosing cannot stand in for the automatic refund.
    const { paymentStatus: paid } = await ok(t.url, PaymentStatusDocument, { orderId }, buyer.token);
    await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId: paid.id, amount: 100, reason: 'Goodwill', idempotencyKey: 'order-cancelled' } },
      owner.token,
    );
    expect((await ok(t.url, CancelOrderDocument, { id: orderId }, owner.token)).cancelOrder.status).toBe('CANCELLED');
    expect(await stockOf(t, stool.id, buyer)).toBe(2);
    const refunded = await waitFor('the automatic refund', async () => {
      const { paymentStatus } = await ok(t.url, PaymentStatusDocument, { orderId }, buyer.token);
      return paymentStatus.status === 'REFUNDED' ? paymentStatus : null;
    });
    expect(refunded.failureReason).toBeNull();
    expect(refunded.refundedAmount).toBe(2500);
    await waitFor('the whole refund to be told', async () =>
      (await ok(t.url, OrderNotificationsDocument, {}, buyer.token)).notifications.edges.some((e) =>
        /\$24\.00 .*the whole order/.test(e.node.body),
      ),
    );
    expect((await ok(t.url, OrderRefundedDocument, { id: orderId }, buyer.token)).order).toMatchObject({
      status: 'CANCELLED',
      refunded: { amount: 2500 },
    });
  });
});

describe('digital goods', () => {
  it('deliver their file to the buyer once paid, never someone else’s file, and take it back on refund', async () => {
    const [owner, buyer, stranger] = await Promise.all([seller(t), signUp(t, 'buyer'), signUp(t, 'stranger')]);
    const bytes = Buffer.from('The complete guide, chapter one.');
    const book = await upload(t.url, owner.token, 'guide.pdf', bytes, { mimeType: 'application/pdf' });
    const cover = await upload(t.url, owner.token, 'cover.png', Buffer.from('png'), { mimeType: 'image/png' });
    const hidden = await upload(t.url, owner.token, 'draft.png', Buffer.from('png'), { mimeType: 'image/png' });
    await ok(t.url, SetFileVisibilityDocument, { id: cover.id, visibility: 'PUBLIC' }, owner.token);
    const notTheirs = await upload(t.url, stranger.token, 'stolen.pdf', Buffer.from('not yours'), {
      mimeType: 'application/pdf',
    });

    const guide = await listed(t, owner, {
      title: 'The guide',
      kind: 'DIGITAL',
      stock: null,
      digitalFileId: book.id,
      imageIds: [cover.id, hidden.id],
    });
    // Buyers see public images only, and never the product's file; its seller sees it.
    expect((await ok(t.url, ProductFilesDocument, { id: guide.id }, buyer.token)).product).toEqual({
      id: guide.id,
      images: [{ id: cover.id, name: 'cover.png' }, null],
      digitalFile: null,
    });
    expect((await ok(t.url, ProductFilesDocument, { id: guide.id }, owner.token)).product.digitalFile).toEqual({
      id: book.id,
      name: 'guide.pdf',
    });
    expect(await codes(t.url, FileDocument, { id: book.id }, buyer.token)).toEqual(['NOT_FOUND']);

    const { orders } = await buy(t, buyer, guide.id);
    await orderReaches(t, buyer, orders[0]!.id, 'PAID');
    const line = await waitFor(
      'the download',
      async () =>
        (await ok(t.url, OrderDownloadsDocument, { id: orders[0]!.id }, buyer.token)).order.items[0]?.download,
    );
    expect(line).toMatchObject({ id: book.id, name: 'guide.pdf' });
    expect(Buffer.from(await (await fetch(line.downloadUrl!)).arrayBuffer())).toEqual(bytes);
    expect(
      (await ok(t.url, OrderDownloadsDocument, { id: orders[0]!.id }, owner.token)).order.items[0]?.download,
    ).toBeNull();

    // A seller cannot sell a file that is not theirs: the buyer pays and gets nothing from drive.
    const fake = await listed(t, owner, {
      title: 'Not mine',
      kind: 'DIGITAL',
      stock: null,
      digitalFileId: notTheirs.id,
    });
    const fakeOrder = (await buy(t, buyer, fake.id)).orders[0]!;
    await orderReaches(t, buyer, fakeOrder.id, 'PAID');
    expect(
      (await ok(t.url, OrderDownloadsDocument, { id: fakeOrder.id }, buyer.token)).order.items[0]?.download,
    ).toBeNull();
    expect(await codes(t.url, FileDocument, { id: notTheirs.id }, buyer.token)).toEqual(['NOT_FOUND']);

    // In the seller's trash, what the buyer paid for stays theirs, and cannot be purged while it is.
    await ok(t.url, DeleteFileDocument, { id: book.id }, owner.token);
    expect(
      (await ok(t.url, OrderDownloadsDocument, { id: orders[0]!.id }, buyer.token)).order.items[0]?.download,
    ).toMatchObject({ id: book.id });
    expect(await codes(t.url, DeleteFileForeverDocument, { id: book.id }, owner.token)).toEqual(['BAD_USER_INPUT']);
    expect(
      (await ok(t.url, TrashDocument, {}, owner.token)).trash.edges.map((e) => [e.node.id, e.node.purgeAt]),
    ).toEqual([[book.id, null]]);
    const drive = t.stack.subgraphs.find((s) => s.name === 'drive')!.services as {
      trash: { sweep(now: Date): Promise<number> };
    };
    await drive.trash.sweep(new Date(Date.now() + 366 * 24 * 3600_000));
    expect(await codes(t.url, FileDocument, { id: book.id }, buyer.token)).toEqual([]);
    await ok(t.url, RestoreFileDocument, { id: book.id }, owner.token);

    // Refunded in full: the file is the seller's alone again.
    const { paymentStatus } = await ok(t.url, PaymentStatusDocument, { orderId: orders[0]!.id }, buyer.token);
    await ok(
      t.url,
      RefundPaymentDocument,
      { input: { paymentId: paymentStatus.id, reason: 'Wrong book' } },
      owner.token,
    );
    await orderReaches(t, buyer, orders[0]!.id, 'REFUNDED');
    await waitFor('the file to be taken back', async () =>
      (await codes(t.url, FileDocument, { id: book.id }, buyer.token)).includes('NOT_FOUND'),
    );
  });
});

describe('advertising', () => {
  it('places a paid campaign’s product in matching first pages, a bounded share, and counts what it earns', async () => {
    const [owner, rival, buyer] = await Promise.all([seller(t), seller(t), signUp(t, 'buyer')]);
    const tag = `ad${randomUUID().replace(/-/g, '').slice(0, 10)}`;
    // Twenty of the rival's matching products fill the first page before the promoted one would.
    const promoted = await listed(t, owner, { title: `Teak bench ${tag}` });
    for (let i = 0; i < 21; i++) await listed(t, rival, { title: `Garden bench ${tag} ${i}` });
    const other = await listed(t, owner, { title: `Unrelated stool ${randomUUID().slice(0, 8)}` });

    expect(
      await codes(
        t.url,
        PromoteProductDocument,
        { input: { productId: promoted.id, dailyBudget: 500, days: 3, paymentMethodId: 'pm_card_visa' } },
        buyer.token,
      ),
    ).toEqual(['FORBIDDEN']);
    expect(
      await codes(
        t.url,
        PromoteProductDocument,
        { input: { productId: promoted.id, dailyBudget: 500, days: 3, paymentMethodId: 'pm_card_visa' } },
        rival.token,
      ),
    ).toEqual(['NOT_FOUND']);
    expect(
      await codes(
        t.url,
        PromoteProductDocument,
        { input: { productId: promoted.id, dailyBudget: 5, days: 3, paymentMethodId: 'pm_card_visa' } },
        owner.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(
        t.url,
        PromoteProductDocument,
        { input: { productId: promoted.id, dailyBudget: 500, days: 91, paymentMethodId: 'pm_card_visa' } },
        owner.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
    const buyAds = {
      productId: promoted.id,
      dailyBudget: 500,
      days: 3,
      paymentMethodId: 'pm_card_visa',
      idempotencyKey: `ads-${tag}`,
    };
    const { promoteProduct: campaign } = await ok(t.url, PromoteProductDocument, { input: buyAds }, owner.token);
    expect((await ok(t.url, PromoteProductDocument, { input: buyAds }, owner.token)).promoteProduct.id).toBe(
      campaign.id,
    );
    expect(campaign).toMatchObject({
      status: 'PENDING_PAYMENT',
      days: 3,
      dailyBudget: { amount: 500 },
      order: { total: { amount: 1500 } },
    });
    await orderReaches(t, owner, campaign.order!.id, 'PAID');
    const running = await waitFor(
      'the campaign to run',
      async () =>
        (await ok(t.url, CampaignsDocument, {}, owner.token)).campaigns.edges.find(
          (e) => e.node.id === campaign.id && e.node.status === 'ACTIVE',
        )?.node,
    );
    expect(running.product).toEqual({ id: promoted.id });

    // First page of a matching search: the product is placed second, marked, once; later pages and other searches are
    // organic. The placement is counted in memory: the search itself writes nothing (the count is saved within a
    // second).
    const statements = vi.spyOn(
      t.stack.subgraphs.find((s) => s.name === 'marketplace')!.orm.em.getConnection(),
      'execute',
    );
    let page;
    try {
      page = (
        await ok(t.url, SponsoredSearchDocument, { filter: { search: `${tag} bench` }, first: 20 }, buyer.token)
      ).products.edges.map((e) => e.node);
      expect(statements.mock.calls.filter(([sql]) => /impressions/.test(String(sql)))).toEqual([]);
    } finally {
      statements.mockRestore();
    }
    expect(page).toHaveLength(21);
    expect(page[1]).toEqual({ id: promoted.id, sponsored: true, adCampaignId: campaign.id });
    expect(page.filter((p) => p.sponsored)).toHaveLength(1);
    expect(page.filter((p) => p.id === promoted.id)).toHaveLength(1);
    const small = (
      await ok(t.url, SponsoredSearchDocument, { filter: { search: `${tag} bench` }, first: 5 }, buyer.token)
    ).products.edges;
    expect(small.some((e) => e.node.sponsored)).toBe(false);
    const unrelated = (
      await ok(t.url, SponsoredSearchDocument, { filter: { search: 'stool' }, first: 20 }, buyer.token)
    ).products.edges;
    expect(unrelated.some((e) => e.node.id === promoted.id)).toBe(false);
    expect(other.id).not.toBe(promoted.id);

    // Too few results for a sponsored slot: a search matching three products gets none.
    const few = (
      await ok(t.url, SponsoredSearchDocument, { filter: { search: `${tag} teak` }, first: 20 }, buyer.token)
    ).products.edges;
    expect(few.every((e) => !e.node.sponsored)).toBe(true);
    // An advertising order buys placement, not a review of your own product.
    const { order: adOrder } = await ok(t.url, OrderDocument, { id: campaign.order!.id }, owner.token);
    const selfReview = await request(
      t.url,
      ReviewProductDocument,
      { orderItemId: adOrder.items[0]!.id, rating: 5 },
      { token: owner.token },
    );
    expect(selfReview.errors?.[0]).toMatchObject({
      message: expect.stringMatching(/own product/),
      extensions: { code: 'BAD_USER_INPUT' },
    });

    // Clicks count from others only.
    expect((await ok(t.url, RecordAdClickDocument, { campaignId: campaign.id }, buyer.token)).recordAdClick).toBe(true);
    expect((await ok(t.url, RecordAdClickDocument, { campaignId: campaign.id }, owner.token)).recordAdClick).toBe(
      false,
    );
    expect((await ok(t.url, RecordAdClickDocument, { campaignId: UNKNOWN })).recordAdClick).toBe(false);
    const stats = await waitFor(
      'the placement to be counted',
      async () =>
        (await ok(t.url, CampaignsDocument, {}, owner.token)).campaigns.edges.find(
          (e) => e.node.id === campaign.id && e.node.impressions > 0,
        )?.node,
    );
    expect(stats).toMatchObject({ impressions: 1, clicks: 1 });
    expect((await ok(t.url, CampaignsDocument, {}, rival.token)).campaigns.edges).toEqual([]);
  });
});

describe('the remaining wrong-user and bad-input cases', () => {
  it('are refused with a clear code and change nothing', async () => {
    const [owner, other, buyer] = await Promise.all([seller(t), seller(t), signUp(t, 'buyer')]);
    const { createProduct: draft } = await ok(
      t.url,
      CreateProductDocument,
      { input: { title: 'Draft lamp', kind: 'PHYSICAL', priceAmount: 1000, currency: 'usd', stock: 1 } },
      owner.token,
    );
    expect(await codes(t.url, PublishProductDocument, { id: draft.id }, other.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, UpdateProductDocument, { id: draft.id, input: { priceAmount: 0 } }, owner.token)).toEqual(
      ['BAD_USER_INPUT'],
    );
    expect(await codes(t.url, ArchiveProductDocument, { id: UNKNOWN }, owner.token)).toEqual(['NOT_FOUND']);
    for (const document of [MyOrdersDocument, SalesDocument, CampaignsDocument])
      expect(await codes(t.url, document as never, {})).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, PaymentStatusDocument, { orderId: 'nonsense' }, buyer.token)).toEqual(['NOT_FOUND']);

    const lamp = await listed(t, owner);
    const order = (await buy(t, buyer, lamp.id)).orders[0]!;
    await orderReaches(t, buyer, order.id, 'PAID');
    expect(await codes(t.url, MarkOrderShippedDocument, { id: order.id, trackingNumber: '  ' }, owner.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    await ok(t.url, MarkOrderShippedDocument, { id: order.id, trackingNumber: 'T1' }, owner.token);
    expect(await codes(t.url, MarkOrderDeliveredDocument, { id: order.id }, buyer.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, MarkOrderDeliveredDocument, { id: order.id }, other.token)).toEqual(['NOT_FOUND']);
    await ok(t.url, MarkOrderDeliveredDocument, { id: order.id }, owner.token);
    expect(await codes(t.url, ReviewSellerDocument, { orderId: order.id, rating: 0 }, buyer.token)).toEqual([
      'BAD_USER_INPUT',
    ]);
    expect(await codes(t.url, ReviewSellerDocument, { orderId: UNKNOWN, rating: 4 }, buyer.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect((await ok(t.url, OrderDocument, { id: order.id }, buyer.token)).order.status).toBe('DELIVERED');
  });
});
