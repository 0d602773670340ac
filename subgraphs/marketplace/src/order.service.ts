import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { lockKey, nullableUuidArray, rows, table } from '@peerlink/platform/db/sql';
import { badInput, conflict, forbidden, notFound } from '@peerlink/platform/errors';
import { excerpt, line, text } from '@peerlink/platform/text';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { decodeCursor, pageSize, toConnection, withTotalCount } from '@peerlink/platform/graphql/pagination';
import { requestFingerprint, requireSameRequest } from '@peerlink/platform/idempotency';
import type { MarketplaceEvents, OrderLine } from '@peerlink/contracts/marketplace';
import type { MarketplaceLoaders } from './loaders.js';
import { MAX_TOTAL, money, type Money } from './money.js';
import { Order, OrderItem, type ShippingAddress } from './order.entity.js';
import { canMove, OrderStatus, releasesStock } from './order-states.js';
import { ON_SALE, ProductKind, ProductStatus, ships } from './product.entity.js';
import { PLATFORM_ACCOUNT_ID } from './platform-account.js';

export const MAX_KEY_LENGTH = 100;
export const MAX_TRACKING_LENGTH = 100;

export interface CheckoutInput {
  idempotencyKey: string;
  shippingAddress?: ShippingAddress | null;
  paymentMethodId: string;
}

/** Something in the cart that checkout found different from what the buyer saw. */
export interface CartChange {
  productId: string;
  title: string;
  kind: 'UNAVAILABLE' | 'PRICE_CHANGED' | 'QUANTITY_REDUCED';
  previousPrice: Money | null;
  price: Money | null;
  quantity: number;
}

interface CartLine {
  product_id: string;
  quantity: number;
  seen_price_amount: number;
  seen_currency: string;
  seller_id: string;
  title: string;
  kind: ProductKind;
  price_amount: number;
  currency: string;
  stock: number | null;
  status: ProductStatus;
  digital_file_id: string | null;
  course_id: string | null;
  category_id: string | null;
}

function checkAddress(address: ShippingAddress): ShippingAddress {
  const clean = (value: string | null | undefined, field: string, required = true) =>
    text(value ?? '', `shippingAddress.${field}`, line(`The address's ${field}`, 200, required ? 1 : 0));
  const country = clean(address.country, 'country').toUpperCase();
  if (!/^[A-Z]{2}$/.test(country))
    throw badInput('country is a two-letter ISO code such as "DE".', 'shippingAddress.country');
  return {
    name: clean(address.name, 'name'),
    line1: clean(address.line1, 'line1'),
    line2: clean(address.line2, 'line2', false) || null,
    city: clean(address.city, 'city'),
    postalCode: clean(address.postalCode, 'postalCode'),
    country,
  };
}

/**
 * Orders: checkout turns a cart into one order per seller and hands payment to the payments
 * service (through `marketplace.order.placed`); its answer moves the order on. Every change
 * tells the buyer's and seller's `orderUpdated`.
 */
export class OrderService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<MarketplaceEvents>,
    private readonly paymentSeconds: number,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  /**
   * Re-reads every cart line under lock. If anything changed since the buyer saw it, the cart is
   * brought up to date and the changes are returned with no order; otherwise stock is reserved and
   * the orders are placed. The same `idempotencyKey` returns the orders it placed before.
   */
  async checkout(viewer: Viewer, input: CheckoutInput): Promise<{ orders: Order[]; changes: CartChange[] }> {
    const key = input.idempotencyKey.trim();
    if (!key || key.length > MAX_KEY_LENGTH)
      throw badInput(`An idempotency key is 1 to ${MAX_KEY_LENGTH} characters.`, 'idempotencyKey');
    const paymentMethodId = input.paymentMethodId.trim();
    if (!paymentMethodId || paymentMethodId.length > 255) throw badInput('Name a payment method.', 'paymentMethodId');
    const address = input.shippingAddress ? checkAddress(input.shippingAddress) : null;
    const fingerprint = requestFingerprint({ paymentMethodId, address });

    return this.outbox.transaction(async (em, publish) => {
      // A buyer's checkouts run one at a time, so a retry waits for the first and finds its orders.
      await lockKey(em, `checkout:${viewer.userId}`);
      const placed = await em.find(Order, { buyerId: viewer.userId, checkoutKey: key }, { orderBy: { id: 'asc' } });
      if (placed.length) {
        requireSameRequest(placed[0]!.requestFingerprint, fingerprint);
        // Checkout empties the cart, so a true retry finds it empty; a filled one is a new checkout under an old key.
        const [{ count }] = await rows<{ count: number }>(
          em,
          `select count(*)::int as count from ${table(em, 'cart_items')} where buyer_id = ?`,
          [viewer.userId],
        );
        if (count)
          throw conflict(
            'This idempotency key already checked out another cart; use a new key for this one.',
            'idempotencyKey',
          );
        return { orders: placed, changes: [] };
      }

      const lines = await rows<CartLine>(
        em,
        `select c.product_id, c.quantity, c.seen_price_amount, c.seen_currency,
                p.seller_id, p.title, p.kind, p.price_amount, p.currency, p.stock, p.status, p.digital_file_id,
                p.course_id, p.category_id
         from ${table(em, 'cart_items')} c join ${table(em, 'products')} p on p.id = c.product_id
         where c.buyer_id = ? order by p.id for update of p, c`,
        [viewer.userId],
      );
      if (!lines.length) throw badInput('Your cart is empty.', 'cart');
      const changes = await this.bringCartUpToDate(em, viewer.userId, lines);
      if (changes.length) return { orders: [], changes };
      if (!address && lines.some((l) => l.kind === ProductKind.PHYSICAL))
        throw badInput('Physical products need a shipping address.', 'shippingAddress');
      // One order per seller and currency.
      const groups = new Map<string, { lines: CartLine[]; total: number }>();
      for (const line of lines) {
        const group = groups.get(`${line.seller_id}:${line.currency}`) ?? { lines: [], total: 0 };
        group.lines.push(line);
        group.total += line.price_amount * line.quantity;
        groups.set(`${line.seller_id}:${line.currency}`, group);
      }
      if ([...groups.values()].some((g) => g.total > MAX_TOTAL))
        throw badInput('One order would cost more than an order can hold; split the cart.', 'cart');

      // A statement per kind of row, however many sellers and lines the cart holds.
      const expiresAt = new Date(Date.now() + this.paymentSeconds * 1000);
      const created = [...groups.values()].map(({ lines: group, total }) => ({
        group,
        order: em.create(Order, {
          buyerId: viewer.userId,
          sellerId: group[0]!.seller_id,
          currency: group[0]!.currency,
          totalAmount: total,
          checkoutKey: key,
          requestFingerprint: fingerprint,
          paymentMethodId,
          shippingAddress: group.some((l) => l.kind === ProductKind.PHYSICAL) ? address : null,
          expiresAt,
        }),
      }));
      // Items only name their order by id, so the unit of work must write the orders first.
      await em.flush();
      for (const { order, group } of created) {
        for (const line of group) {
          em.create(OrderItem, {
            orderId: order.id,
            productId: line.product_id,
            title: line.title,
            unitAmount: line.price_amount,
            quantity: line.quantity,
            digitalFileId: line.digital_file_id,
            courseId: line.course_id,
            categoryId: line.category_id,
          });
        }
      }
      // The products are locked since the cart was read, so one statement takes every line's stock.
      await this.moveStock(
        em,
        lines
          .filter((l) => l.kind === ProductKind.PHYSICAL)
          .map((l) => ({ productId: l.product_id, delta: -l.quantity })),
      );
      await em.flush();
      await em.execute(`delete from ${table(em, 'cart_items')} where buyer_id = ?`, [viewer.userId]);
      const orders = created.map(({ order }) => order);
      for (const order of orders) {
        // For the parties' subscriptions to all their orders, open before checkout.
        tellParties(publish, order);
        publish('marketplace.order.placed', {
          orderId: order.id,
          buyerId: order.buyerId,
          sellerId: order.sellerId,
          amount: order.totalAmount,
          currency: order.currency,
          paymentMethodId,
          purpose: 'SALE',
        });
      }
      return { orders, changes: [] };
    });
  }

  async readable(id: string, loaders: MarketplaceLoaders): Promise<Order> {
    const order = await loaders.order.load(id);
    if (!order || !loaders.mayRead(order)) throw notFound('Order');
    return order;
  }

  /** The viewer's purchases (`as: 'buyer'`) or sales (`as: 'seller'`), newest first. */
  async list(
    viewer: Viewer,
    as: 'buyer' | 'seller',
    status: OrderStatus | null | undefined,
    first: number | null | undefined,
    after: string | null | undefined,
  ) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const mine = {
      ...(as === 'buyer' ? { buyerId: viewer.userId } : { sellerId: viewer.userId }),
      ...(status ? { status } : {}),
    };
    const orders = await this.em.find(
      Order,
      { ...mine, ...(cursor ? { id: { $lt: cursor.id } } : {}) },
      { orderBy: { id: 'desc' }, limit: size + 1, refresh: true },
    );
    return withTotalCount(toConnection(orders, size, { after }), () => this.em.count(Order, mine));
  }

  /**
   * The buyer or seller cancels an unpaid order; the seller also one paid but not shipped, which
   * payments then refunds in full. Stock goes back on sale either way.
   */
  async cancel(viewer: Viewer, id: string, loaders: MarketplaceLoaders): Promise<Order> {
    return this.change(viewer, id, loaders, (order) => {
      const unpaid = order.status === OrderStatus.PENDING_PAYMENT;
      const sellerMay = order.sellerId === viewer.userId && (unpaid || order.status === OrderStatus.PAID);
      if (!sellerMay && !(order.buyerId === viewer.userId && unpaid)) {
        if (order.status === OrderStatus.PAID)
          throw badInput('Ask the seller to cancel a paid order; they refund it in full.', 'id');
        throw badInput(`An order that is ${order.status} cannot be cancelled.`, 'id');
      }
      return OrderStatus.CANCELLED;
    });
  }

  /** Payments gave money back: recorded on the order, which becomes REFUNDED once all of it is. */
  async applyRefund(
    em: EntityManager,
    publish: Publish<MarketplaceEvents>,
    refund: { orderId: string; amount: number; refundedTotal: number; fullyRefunded: boolean },
  ) {
    const order = await this.locked(em, refund.orderId);
    if (!order) return;
    // Refunds may be told out of order: the total only grows, but each one is told to the buyer.
    order.refundedAmount = Math.max(order.refundedAmount, refund.refundedTotal);
    order.updatedAt = new Date();
    await em.flush();
    const items = await em.find(OrderItem, { orderId: order.id }, { orderBy: { id: 'asc' } });
    publish('marketplace.order.refunded', {
      orderId: order.id,
      buyerId: order.buyerId,
      sellerId: order.sellerId,
      amount: refund.amount,
      refundedTotal: refund.refundedTotal,
      currency: order.currency,
      summary: summarize(items),
      fully: refund.fullyRefunded,
    });
    if (refund.fullyRefunded && canMove(order.status, OrderStatus.REFUNDED))
      await this.move(em, publish, order, OrderStatus.REFUNDED, items);
    else tellParties(publish, order);
  }

  async markShipped(viewer: Viewer, id: string, trackingNumber: string, loaders: MarketplaceLoaders): Promise<Order> {
    const tracking = trackingNumber.trim();
    if (!tracking || tracking.length > MAX_TRACKING_LENGTH)
      throw badInput(`A tracking number is 1 to ${MAX_TRACKING_LENGTH} characters.`, 'trackingNumber');
    return this.change(viewer, id, loaders, (order) => {
      this.sellerOnly(viewer, order);
      if (order.status !== OrderStatus.PAID) throw badInput('Only a paid order can be shipped.', 'id');
      if (!order.shippingAddress) throw badInput('Digital orders are not shipped.', 'id');
      order.trackingNumber = tracking;
      return OrderStatus.SHIPPED;
    });
  }

  async markDelivered(viewer: Viewer, id: string, loaders: MarketplaceLoaders): Promise<Order> {
    return this.change(viewer, id, loaders, (order) => {
      this.sellerOnly(viewer, order);
      if (order.status !== OrderStatus.SHIPPED) throw badInput('Only a shipped order can be delivered.', 'id');
      return OrderStatus.DELIVERED;
    });
  }

  /** Payments' verdict on an order. Late or repeated verdicts change nothing. */
  async applyPayment(
    em: EntityManager,
    publish: Publish<MarketplaceEvents>,
    orderId: string,
    outcome: OrderStatus.PAID | OrderStatus.PAYMENT_FAILED,
  ) {
    const order = await this.locked(em, orderId);
    if (!order) return;
    // Money taken for an order that has ended: it goes back.
    if (
      outcome === OrderStatus.PAID &&
      (order.status === OrderStatus.CANCELLED || order.status === OrderStatus.PAYMENT_FAILED)
    ) {
      return publish('marketplace.order.payment_unwanted', { orderId });
    }
    if (!canMove(order.status, outcome)) return;
    await this.move(em, publish, order, outcome);
  }

  /**
   * Cancels every order whose payment window has passed, a batch per transaction. Several
   * instances may sweep at once: each claims its batch with SKIP LOCKED.
   */
  async expireUnpaid(): Promise<void> {
    for (;;) {
      const due = await rows<{ id: string }>(
        this.em,
        `select id from ${table(this.em, 'orders')} where status = 'PENDING_PAYMENT' and expires_at <= now() ` +
          `order by expires_at limit 100`,
      );
      let expired = 0;
      for (const { id } of due) expired += await this.expire(id);
      if (due.length < 100 || expired === 0) return;
    }
  }

  /**
   * One order per transaction: each locks its products in order, as checkout does, and holds no
   * other order's, so expiry cannot deadlock with a checkout (nor two sweepers with each other).
   * Paid or cancelled meanwhile, it is left as it is.
   */
  private expire(id: string): Promise<number> {
    return this.outbox.transaction(async (em, publish) => {
      const still = await rows(
        em,
        `select id from ${table(em, 'orders')} where id = ? and status = 'PENDING_PAYMENT' and expires_at <= ` +
          `now() for update skip locked`,
        [id],
      );
      if (!still.length) return 0;
      const order = await em.findOneOrFail(Order, { id }, { refresh: true });
      await this.move(em, publish, order, OrderStatus.CANCELLED);
      return 1;
    });
  }

  private async change(
    _viewer: Viewer,
    id: string,
    loaders: MarketplaceLoaders,
    decide: (order: Order) => OrderStatus,
  ): Promise<Order> {
    await this.readable(id, loaders);
    return this.outbox.transaction(async (em, publish) => {
      const order = (await this.locked(em, id))!;
      const next = decide(order);
      if (!canMove(order.status, next)) throw conflict(`The order is ${order.status}.`, 'id');
      await this.move(em, publish, order, next);
      return order;
    });
  }

  private sellerOnly(viewer: Viewer, order: Order) {
    if (order.sellerId !== viewer.userId) throw forbidden('Only the seller does that.');
  }

  /** The order as committed, locked until the transaction ends (one `select … for update`). */
  private async locked(em: EntityManager, id: string): Promise<Order | null> {
    return em.findOne(Order, { id }, { refresh: true, lockMode: LockMode.PESSIMISTIC_WRITE });
  }

  /** `known`: the order's lines, when the caller has read them already. */
  private async move(
    em: EntityManager,
    publish: Publish<MarketplaceEvents>,
    order: Order,
    next: OrderStatus,
    known?: OrderItem[],
  ) {
    const items = known ?? (await em.find(OrderItem, { orderId: order.id }, { orderBy: { id: 'asc' } }));
    if (releasesStock(order.status, next)) {
      // In product order, as checkout locks them, so an expiry and a checkout cannot deadlock.
      const byProduct = [...items].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
      for (const item of byProduct) await this.moveStock(em, [{ productId: item.productId, delta: item.quantity }]);
    }
    const previousStatus = order.status;
    const purpose = order.sellerId === PLATFORM_ACCOUNT_ID ? 'ADVERTISING' : 'SALE';
    order.status = next;
    order.updatedAt = new Date();
    await em.flush();
    publish('marketplace.order.changed', {
      orderId: order.id,
      buyerId: order.buyerId,
      sellerId: order.sellerId,
      status: next,
      previousStatus,
      amount: order.totalAmount,
      currency: order.currency,
      summary: summarize(items),
      trackingNumber: order.trackingNumber,
      digitalFileIds: items.flatMap((i) => (i.digitalFileId ? [i.digitalFileId] : [])),
      courseIds: items.flatMap((i) => (i.courseId ? [i.courseId] : [])),
      purpose,
      ships: !!order.shippingAddress,
      lines: purpose === 'SALE' ? items.map(orderLine) : [],
    });
    tellParties(publish, order);
  }

  /**
   * Takes stock (negative) or puts it back, one product once per call; SOLD_OUT follows the count
   * while a product is on sale. Several products in one call only when the caller holds their
   * locks: the statement takes them in no promised order.
   */
  private async moveStock(em: EntityManager, moves: { productId: string; delta: number }[]) {
    if (!moves.length) return;
    await em.execute(
      `update ${table(em, 'products')} p set stock = p.stock + m.delta, updated_at = now(),
         status = case when p.status in ('ACTIVE', 'SOLD_OUT') then (case when p.stock + m.delta = 0 then 'SOLD_OUT'
           else 'ACTIVE' end) else p.status end
       from unnest(?::uuid[], ?::int[]) as m(id, delta)
       where p.id = m.id and p.stock is not null`,
      [nullableUuidArray(moves.map((m) => m.productId)), `{${moves.map((m) => m.delta).join(',')}}`],
    );
  }

  private async bringCartUpToDate(em: EntityManager, buyerId: string, lines: CartLine[]): Promise<CartChange[]> {
    const changes: CartChange[] = [];
    const cart = table(em, 'cart_items');
    for (const line of lines) {
      const price = money(line.price_amount, line.currency);
      const base = {
        productId: line.product_id,
        title: line.title,
        previousPrice: money(line.seen_price_amount, line.seen_currency),
        price,
        quantity: line.quantity,
      };
      const available =
        ON_SALE.includes(line.status) && line.seller_id !== buyerId && (!ships(line.kind) || (line.stock ?? 0) > 0);
      if (!available) {
        changes.push({ ...base, kind: 'UNAVAILABLE', quantity: 0 });
        await em.execute(`delete from ${cart} where buyer_id = ? and product_id = ?`, [buyerId, line.product_id]);
        continue;
      }
      if (line.price_amount !== line.seen_price_amount || line.currency !== line.seen_currency)
        changes.push({ ...base, kind: 'PRICE_CHANGED' });
      const quantity = ships(line.kind)
        ? Math.min(line.quantity, line.stock ?? 0)
        : line.kind === ProductKind.COURSE
          ? Math.min(line.quantity, 1)
          : line.quantity;
      if (quantity < line.quantity) changes.push({ ...base, kind: 'QUANTITY_REDUCED', quantity });
      // A line as the buyer saw it needs no write: the cart is emptied when the orders are placed.
      if (
        quantity === line.quantity &&
        line.price_amount === line.seen_price_amount &&
        line.currency === line.seen_currency
      )
        continue;
      await em.execute(
        `update ${cart} set quantity = ?, seen_price_amount = ?, seen_currency = ? where buyer_id = ? and ` +
          `product_id = ?`,
        [quantity, line.price_amount, line.currency, buyerId, line.product_id],
      );
    }
    return changes;
  }
}

/** A line as events tell it; what it delivers says its kind (a product's kind never changes). */
const orderLine = (item: OrderItem): OrderLine => ({
  productId: item.productId,
  kind: item.courseId ? 'COURSE' : item.digitalFileId ? 'DIGITAL' : 'PHYSICAL',
  quantity: item.quantity,
  unitAmount: item.unitAmount,
  courseId: item.courseId,
  categoryId: item.categoryId,
});

/** "2 × Brass lamp, 1 × Pan", short enough for a notification's title. */
export function summarize(items: { title: string; quantity: number }[]): string {
  return excerpt(items.map((i) => `${i.quantity} × ${i.title}`).join(', '), 80);
}

/** Tells the buyer's and the seller's `orderUpdated`, after commit. */
export function tellParties(publish: Publish<MarketplaceEvents>, order: Order) {
  publish('marketplace.order.updated', {
    id: order.id,
    orderId: order.id,
    recipientIds: [order.buyerId, order.sellerId],
  });
}
