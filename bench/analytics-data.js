/**
 * The events bench:analytics feeds the analytics subgraph: a seeded model of how users behave, the
 * payloads their publishers send (contracts/src/*.ts), and what analytics keeps of each (its log row and
 * its fact, as subgraphs/analytics/src/facts.ts makes them) for loading a year in bulk.
 */
import { randomUUID } from 'node:crypto';

const DAY_MS = 86_400_000;

/**
 * What one user does on a day they are active, per day: a rough model of a social app with a shop,
 * chosen so 10,000 users make about six million events a year. Every user signs up on a day of the
 * year (spread evenly) and is active on half the days after.
 */
export const USAGE = {
  activeShare: 0.5,
  signInShare: 0.6,
  /** Access tokens last 15 minutes: about four refreshes an hour the app is open. */
  refreshesPerDay: 4,
  postsPerDay: 0.4,
  messagesPerDay: 5,
  ordersPerDay: 0.08,
  /** Users who sell; orders go to them by a Zipf law (the busiest gets about 15%). */
  sellerShare: 0.05,
  failedPaymentShare: 0.05,
  refundShare: 0.03,
  /** A paid order's payout follows a week later; a refund after it takes part of it back. */
  payoutAfterDays: 7,
  refundWithinDays: 14,
  payoutFeeShare: 0.03,
  /** Each seller lists this many products in categories of a two-level tree; a tenth are courses. */
  productsPerSeller: 8,
  courseShare: 0.1,
  categoryRoots: 10,
  categoryChildren: 5,
  /** A quarter of orders hold two products, the rest one. */
  twoLineShare: 0.25,
  currencies: [
    ['eur', 0.85],
    ['usd', 0.15],
  ],
};

/** A seeded generator (mulberry32): the same seed makes the same year. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A UUIDv7 whose time is `ms`, as the outbox gives an event published then: a random UUID's bits after the time. */
export function uuidv7At(ms) {
  const time = ms.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}

/**
 * `users` users over `days` days ending with the UTC day before `today` (YYYY-MM-DD). `sellers` are
 * the accounts (ids) to put first and in the middle of the sellers' ranking: the busiest and a
 * typical seller, whose reports the bench reads.
 */
export class UsageModel {
  constructor({ users, days, today, sellers: [busiest, typical], seed = 17 }) {
    this.random = seededRandom(seed);
    this.days = days;
    this.firstDayMs = Date.parse(`${today}T00:00:00Z`) - days * DAY_MS;
    this.userIds = Array.from({ length: users }, () => randomUUID());
    this.signUpDay = this.userIds.map(() => Math.floor(this.random() * days));
    const sellerCount = Math.max(2, Math.round(users * USAGE.sellerShare));
    this.sellerIds = this.userIds.slice(0, sellerCount);
    this.sellerIds[0] = busiest;
    this.sellerIds[Math.floor(sellerCount / 2)] = typical;
    // Sellers are there from the start.
    for (let i = 0; i < sellerCount; i++) this.signUpDay[i] = 0;
    let sum = 0;
    this.sellerCumulative = this.sellerIds.map((_, rank) => (sum += 1 / (rank + 1)));
    this.categories = Array.from({ length: USAGE.categoryRoots }, () => {
      const root = randomUUID();
      return { root, children: Array.from({ length: USAGE.categoryChildren }, () => randomUUID()) };
    });
    /** Each seller's products, by seller id. @type {Map<string, object[]>} */
    this.catalogue = new Map(this.sellerIds.map((sellerId) => [sellerId, this.productsOf(sellerId)]));
    /** Events due on a later day (payouts, refunds), by day. @type {Map<number, object[]>} */
    this.later = new Map();
    /** How many events of each name the year holds. */
    this.counts = {};
  }

  /** YYYY-MM-DD of day `day` (0 is the first). */
  dateOf(day) {
    return new Date(this.firstDayMs + day * DAY_MS).toISOString().slice(0, 10);
  }

  /** The first category of the tree (a root), for a ranking of one category. */
  get firstCategory() {
    return this.categories[0].root;
  }

  productsOf(sellerId) {
    const r = this.random;
    return Array.from({ length: USAGE.productsPerSeller }, (_, i) => {
      const { root, children } = this.categories[Math.floor(r() * this.categories.length)];
      const categoryId = children[Math.floor(r() * children.length)];
      const kind = r() < USAGE.courseShare ? 'COURSE' : r() < 0.9 ? 'PHYSICAL' : 'DIGITAL';
      return {
        productId: randomUUID(),
        sellerId,
        kind,
        title: `Product ${i + 1} of ${sellerId.slice(0, 8)}`,
        categoryId,
        categoryPath: [root, categoryId],
        courseId: kind === 'COURSE' ? randomUUID() : null,
      };
    });
  }

  /** Every product listed (and every course published) at the start of the year. */
  catalogueEvents(at) {
    const events = [];
    for (const product of [...this.catalogue.values()].flat()) {
      const { productId, sellerId, kind, title, categoryId, categoryPath, courseId } = product;
      const listed = { productId, sellerId, kind, title, status: 'ACTIVE', categoryId, categoryPath };
      events.push(
        this.event('marketplace.product.changed', at, { ...listed, priceAmount: 2000, currency: 'eur', courseId }),
      );
      if (courseId)
        events.push(
          this.event('learning.course.published', at, {
            courseId,
            instructorId: sellerId,
            slug: `course-${courseId.slice(0, 8)}`,
            title,
            subtitle: 'A course',
            productId,
            priceAmount: 2000,
            currency: 'eur',
            firstTime: true,
          }),
        );
    }
    return events;
  }

  /** Every event of day `day`, in no particular order; call for each day in turn. */
  eventsOf(day) {
    const events = this.later.get(day) ?? [];
    this.later.delete(day);
    const dayStart = this.firstDayMs + day * DAY_MS;
    if (day === 0) events.push(...this.catalogueEvents(dayStart + 1000));
    const emit = (event) => events.push(event);
    const schedule = (daysLater, event) => {
      if (day + daysLater >= this.days) return;
      const at = Date.parse(event.occurredAt) + daysLater * DAY_MS;
      const due = { ...event, id: uuidv7At(at), occurredAt: new Date(at).toISOString() };
      const list = this.later.get(day + daysLater) ?? [];
      list.push(due);
      this.later.set(day + daysLater, list);
    };
    for (let u = 0; u < this.userIds.length; u++) {
      if (this.signUpDay[u] > day) continue;
      const at = () => dayStart + Math.floor(this.random() * DAY_MS);
      if (this.signUpDay[u] === day) emit(this.event('identity.user.registered', at(), registered(this.userIds[u])));
      if (this.random() < USAGE.activeShare) this.actionsOf(this.userIds[u], at, emit, schedule);
    }
    for (const event of events) this.counts[event.name] = (this.counts[event.name] ?? 0) + 1;
    return events;
  }

  /**
   * `count` events as they happen now, of the year's mix (payouts and refunds at once rather than
   * days later), from users already signed up.
   */
  liveEvents(count) {
    const events = [];
    const emit = (event) => events.push(event);
    const now = () => Date.now();
    while (events.length < count) {
      // Now and then a new user, so every kind is in the mix (a year has 10,000 sign-ups in millions of events).
      if (this.random() < 0.002) emit(this.event('identity.user.registered', now(), registered(randomUUID())));
      const user = this.userIds[Math.floor(this.random() * this.userIds.length)];
      this.actionsOf(user, now, emit, (_days, event) => emit({ ...event, id: uuidv7At(Date.now()) }));
    }
    return events.slice(0, count);
  }

  /** One active day of `userId`: `at()` draws a time in it; `schedule(days, event)` is for later ones. */
  actionsOf(userId, at, emit, schedule) {
    const r = this.random;
    if (r() < USAGE.signInShare) emit(this.event('identity.user.signed_in', at(), signedIn(userId, r)));
    const sessionId = randomUUID();
    for (let i = poisson(r, USAGE.refreshesPerDay); i > 0; i--)
      emit(this.event('identity.session.refreshed', at(), { userId, sessionId }));
    for (let i = poisson(r, USAGE.postsPerDay); i > 0; i--)
      emit(this.event('social.post.created', at(), post(userId, r)));
    for (let i = poisson(r, USAGE.messagesPerDay); i > 0; i--)
      emit(this.event('chat.message.sent', at(), message(userId, this.anyUser())));
    for (let i = poisson(r, USAGE.ordersPerDay); i > 0; i--) this.order(userId, at(), emit, schedule);
  }

  order(buyerId, placedAt, emit, schedule) {
    const r = this.random;
    const sellerId = this.anySeller();
    // Prices from about 5 to 200 in the currency's major unit, most near 20.
    const amount = Math.round(500 * Math.exp(r() * 3.7));
    const currency = r() < USAGE.currencies[0][1] ? USAGE.currencies[0][0] : USAGE.currencies[1][0];
    const orderId = randomUUID();
    const paymentId = randomUUID();
    const sale = { orderId, buyerId, sellerId };
    const placed = { ...sale, amount, currency, paymentMethodId: randomUUID(), purpose: 'SALE' };
    emit(this.event('marketplace.order.placed', placedAt, placed));
    const paidAt = placedAt + 2000 + Math.floor(r() * 5000);
    if (r() < USAGE.failedPaymentShare) {
      const failed = { paymentId, ...sale, reason: 'Your card was declined.', amount, currency };
      emit(this.event('payments.payment.failed', paidAt, failed));
      return;
    }
    emit(this.event('payments.payment.succeeded', paidAt, { paymentId, ...sale, amount, currency }));
    const lines = this.linesOf(sellerId, amount);
    const changed = (status, previousStatus) => ({
      ...sale,
      status,
      previousStatus,
      amount,
      currency,
      summary: lines.map((line) => `${line.quantity} × product`).join(', '),
      trackingNumber: null,
      digitalFileIds: [],
      courseIds: lines.map((line) => line.courseId).filter(Boolean),
      purpose: 'SALE',
      ships: lines.some((line) => line.kind === 'PHYSICAL'),
      lines,
    });
    emit(this.event('marketplace.order.changed', paidAt + 500, changed('PAID', 'PENDING_PAYMENT')));
    const fee = Math.round(amount * USAGE.payoutFeeShare);
    const payoutId = randomUUID();
    schedule(
      USAGE.payoutAfterDays,
      this.event('payments.payout.paid', paidAt, { payoutId, orderId, sellerId, amount: amount - fee, fee, currency }),
    );
    if (r() >= USAGE.refundShare) return;
    const refundDays = 1 + Math.floor(r() * USAGE.refundWithinDays);
    const refunded = r() < 0.7 ? amount : Math.round(amount / 2);
    schedule(
      refundDays,
      this.event('payments.refund.succeeded', paidAt, {
        refundId: randomUUID(),
        paymentId,
        ...sale,
        amount: refunded,
        currency,
        refundedTotal: refunded,
        fullyRefunded: refunded === amount,
        returnRequestId: null,
      }),
    );
    if (refunded === amount)
      schedule(refundDays, this.event('marketplace.order.changed', paidAt + 500, changed('REFUNDED', 'PAID')));
    if (refundDays > USAGE.payoutAfterDays) {
      const taken = Math.min(refunded, amount - fee);
      schedule(
        refundDays,
        this.event('payments.payout.reversed', paidAt + 1000, {
          payoutId,
          orderId,
          sellerId,
          amount: taken,
          reversedTotal: taken,
          currency,
        }),
      );
    }
  }

  /** An order's lines: one or two of the seller's products (the first ones most), priced to make `amount`. */
  linesOf(sellerId, amount) {
    const products = this.catalogue.get(sellerId);
    const pick = () => products[Math.floor(this.random() ** 2 * products.length)];
    const chosen = [pick()];
    if (this.random() < USAGE.twoLineShare) {
      const second = pick();
      if (second !== chosen[0]) chosen.push(second);
    }
    const unit = Math.floor(amount / chosen.length);
    return chosen.map((product, i) => ({
      productId: product.productId,
      kind: product.kind,
      quantity: 1,
      unitAmount: i === 0 ? amount - unit * (chosen.length - 1) : unit,
      courseId: product.courseId,
      categoryId: product.categoryId,
    }));
  }

  event(name, ms, payload) {
    return { id: uuidv7At(ms), name, occurredAt: new Date(ms).toISOString(), payload };
  }

  anyUser() {
    return this.userIds[Math.floor(this.random() * this.userIds.length)];
  }

  anySeller() {
    const target = this.random() * this.sellerCumulative.at(-1);
    let low = 0;
    let high = this.sellerCumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.sellerCumulative[middle] < target) low = middle + 1;
      else high = middle;
    }
    return this.sellerIds[low];
  }
}

function poisson(random, mean) {
  const limit = Math.exp(-mean);
  let count = 0;
  for (let product = random(); product > limit; product *= random()) count++;
  return count;
}

const registered = (userId) => {
  const name = `u${userId.slice(0, 8)}`;
  return { userId, username: name, displayName: `User ${name}`, email: `${name}@example.com` };
};

const signedIn = (userId, random) => ({
  userId,
  sessionId: randomUUID(),
  newDevice: random() < 0.1,
  ip: '203.0.113.7',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
});

const post = (actorId, random) => ({
  actorId,
  postId: randomUUID(),
  excerpt: 'Back from the market with fresh figs and a new recipe to try this weekend',
  notify: [],
  visibility: random() < 0.8 ? 'PUBLIC' : 'FOLLOWERS',
  sharedPostId: null,
});

const message = (senderId, recipientId) => ({
  messageId: randomUUID(),
  conversationId: randomUUID(),
  senderId,
  recipientIds: [recipientId],
  excerpt: 'Are we still on for Saturday? I can bring the projector',
  attachmentIds: [],
  mentions: [],
});

/**
 * The fields analytics keeps of each payload and the fact it makes of it: a copy of KEPT and
 * PROJECTION in subgraphs/analytics/src/facts.ts, which the bench cannot import (the subgraph exports
 * only its entry point). The bench checks it against what the live projection wrote before using it.
 */
const KEPT = {
  'identity.user.registered': ['userId'],
  'identity.user.signed_in': ['userId', 'sessionId'],
  'identity.session.refreshed': ['userId'],
  'social.post.created': ['postId', 'actorId'],
  'chat.message.sent': ['messageId', 'senderId'],
  'marketplace.order.placed': ['orderId', 'sellerId', 'buyerId', 'amount', 'currency', 'purpose'],
  'payments.payment.succeeded': ['paymentId', 'sellerId', 'buyerId', 'amount', 'currency'],
  'payments.payment.failed': ['paymentId', 'sellerId', 'buyerId', 'amount', 'currency'],
  'payments.refund.succeeded': ['refundId', 'sellerId', 'amount', 'currency'],
  'payments.payout.paid': ['payoutId', 'sellerId', 'amount', 'currency'],
  'payments.payout.reversed': ['payoutId', 'sellerId', 'amount', 'reversedTotal', 'currency'],
};

/** The events the bench writes into the log and facts itself; the others (sales) go through the bus. */
export const ANALYTICS_EVENT_NAMES = Object.keys(KEPT);
export const isBulkLoaded = (event) => event.name in KEPT;

export function keptOf({ name, payload }) {
  return Object.fromEntries(KEPT[name].filter((field) => field in payload).map((field) => [field, payload[field]]));
}

const none = { subject: null, actor: null, amount: null, currency: null };
const money = (e) => ({ amount: e.amount, currency: e.currency.toLowerCase() });
const FACT = {
  'identity.user.registered': (e) => ({ ...none, key: `signup:${e.userId}`, kind: 'SIGN_UP', actor: e.userId }),
  'identity.user.signed_in': (e) => ({
    ...none,
    key: `signin:${e.userId}:${e.sessionId}`,
    kind: 'SIGN_IN',
    actor: e.userId,
  }),
  'social.post.created': (e) => ({ ...none, key: `post:${e.postId}`, kind: 'POST', actor: e.actorId }),
  'chat.message.sent': (e) => ({ ...none, key: `message:${e.messageId}`, kind: 'MESSAGE', actor: e.senderId }),
  'marketplace.order.placed': (e) => ({
    key: `order:${e.orderId}`,
    kind: 'ORDER',
    subject: e.sellerId,
    actor: e.buyerId,
    ...money(e),
  }),
  'payments.payment.succeeded': (e) => ({
    key: `payment:${e.paymentId}`,
    kind: 'PAYMENT',
    subject: e.sellerId,
    actor: e.buyerId,
    ...money(e),
  }),
  'payments.payment.failed': (e) => ({
    ...none,
    key: `payment-failed:${e.paymentId}`,
    kind: 'PAYMENT_FAILED',
    subject: e.sellerId,
    actor: e.buyerId,
    ...money(e),
  }),
  'payments.refund.succeeded': (e) => ({
    key: `refund:${e.refundId}`,
    kind: 'REFUND',
    subject: e.sellerId,
    actor: null,
    ...money(e),
  }),
  'payments.payout.paid': (e) => ({
    key: `payout:${e.payoutId}`,
    kind: 'PAYOUT',
    subject: e.sellerId,
    actor: null,
    ...money(e),
  }),
  'payments.payout.reversed': (e) => ({
    key: `payout-reversal:${e.payoutId}:${e.reversedTotal}`,
    kind: 'PAYOUT_REVERSAL',
    subject: e.sellerId,
    actor: null,
    ...money(e),
  }),
};

/**
 * What analytics stores of `events`: every fact by its key, and the events its log keeps. Each event makes one
 * fact, but session refreshes: only a user's first and last of a UTC day stand (the earliest and the latest, by
 * time then id), as two facts, and the log keeps only the refreshes they name.
 */
export function projectionOf(events) {
  const facts = new Map();
  const logged = [];
  const factOf = (event, values) => ({ ...values, occurredAt: event.occurredAt, eventId: event.id });
  for (const event of events.filter(isBulkLoaded)) {
    if (event.name !== 'identity.session.refreshed') {
      const made = factOf(event, FACT[event.name](event.payload));
      facts.set(made.key, made);
      logged.push(event);
      continue;
    }
    const { userId } = event.payload;
    const day = event.occurredAt.slice(0, 10);
    for (const [key, keep] of [
      [`session-first:${userId}:${day}`, -1],
      [`session-last:${userId}:${day}`, 1],
    ]) {
      const standing = facts.get(key);
      if (standing && earlier(event, standing.event) !== keep) continue;
      const values = { key, kind: 'SESSION_ACTIVE', subject: null, actor: userId, amount: null, currency: null };
      facts.set(key, { ...factOf(event, values), event });
    }
  }
  const named = new Set();
  for (const made of facts.values())
    if (made.event && !named.has(made.event.id)) {
      named.add(made.event.id);
      logged.push(made.event);
    }
  return { facts: [...facts.values()].map(({ event: _event, ...made }) => made), logged };
}

/** -1 when `a` comes before `b` by time then id (as PostgreSQL orders timestamptz and uuid), else 1. */
function earlier(a, b) {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  return a.id < b.id ? -1 : 1;
}

/**
 * Writes `events` into analytics' event log and facts as the projection would have (the log keeps `keptOf`,
 * received 50 ms after it happened), in one multi-row insert per table on two connections. A user's session
 * refreshes of one UTC day must all be in the same call.
 */
export async function insertYearBatch([logDb, factDb], schema, events) {
  const { facts: made, logged } = projectionOf(events);
  const log = { ids: [], names: [], at: [], payloads: [], received: [] };
  for (const event of logged) {
    log.ids.push(event.id);
    log.names.push(event.name);
    log.at.push(event.occurredAt);
    log.payloads.push(JSON.stringify(keptOf(event)));
    log.received.push(new Date(Date.parse(event.occurredAt) + 50).toISOString());
  }
  const facts = { keys: [], kinds: [], subjects: [], actors: [], amounts: [], currencies: [], at: [], ids: [] };
  for (const fact of made) {
    facts.keys.push(fact.key);
    facts.kinds.push(fact.kind);
    facts.subjects.push(fact.subject);
    facts.actors.push(fact.actor);
    facts.amounts.push(fact.amount);
    facts.currencies.push(fact.currency);
    facts.at.push(fact.occurredAt);
    facts.ids.push(fact.eventId);
  }
  await Promise.all([
    logDb.query(
      `insert into ${schema}.event_log (event_id, name, occurred_at, payload, received_at)
       select * from unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::jsonb[], $5::timestamptz[])`,
      [log.ids, log.names, log.at, log.payloads, log.received],
    ),
    factDb.query(
      `insert into ${schema}.facts (key, kind, subject_id, actor_id, amount, currency, occurred_at, event_id)
       select * from unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::bigint[], $6::text[],
         $7::timestamptz[], $8::uuid[])`,
      [facts.keys, facts.kinds, facts.subjects, facts.actors, facts.amounts, facts.currencies, facts.at, facts.ids],
    ),
  ]);
  return { logged: logged.length, facts: made.length };
}
