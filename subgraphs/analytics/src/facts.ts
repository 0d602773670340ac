import type { ChatEvents } from '@peerlink/contracts/chat';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { SocialEvents } from '@peerlink/contracts/social';
import type { EntityManager } from '@mikro-orm/postgresql';
import { lockKey, table, uuidArray } from '@peerlink/platform/db/sql';
import { DEAD_LETTERED, type DeadLettered } from '@peerlink/platform/events/event-bus';
import type { LoggedEvent, ReadModel } from './read-model.js';

/** What analytics hears: business facts only, never live events, which repeat them. */
export type AnalyticsEvents = Pick<
  IdentityEvents,
  'identity.user.registered' | 'identity.user.signed_in' | 'identity.session.refreshed'
> &
  Pick<SocialEvents, 'social.post.created'> &
  Pick<ChatEvents, 'chat.message.sent'> &
  Pick<MarketplaceEvents, 'marketplace.order.placed'> &
  Pick<
    PaymentsEvents,
    | 'payments.payment.succeeded'
    | 'payments.payment.failed'
    | 'payments.refund.succeeded'
    | 'payments.payout.paid'
    | 'payments.payout.reversed'
    | 'payments.plan_subscription.paid'
  > & { [DEAD_LETTERED]: DeadLettered };

export const FACT_KINDS = [
  'SIGN_UP',
  'SIGN_IN',
  'SESSION_ACTIVE',
  'POST',
  'MESSAGE',
  'ORDER',
  'PAYMENT',
  'PLAN_PAYMENT',
  'PAYMENT_FAILED',
  'REFUND',
  'PAYOUT',
  'PAYOUT_REVERSAL',
  'DEAD_LETTER',
] as const;
export type FactKind = (typeof FACT_KINDS)[number];

/**
 * One thing that happened, as the reports count it. `key` names the business fact (a payment, a
 * refund), so the same fact told twice, or by two events, is stored once; money comes from payments'
 * events only (marketplace's order.refunded repeats a refund).
 */
export interface Fact {
  key: string;
  kind: FactKind;
  /** Whose figures it counts in: the seller, for orders and money. */
  subjectId: string | null;
  /** Who did it: the user active by it. */
  actorId: string | null;
  amount: number | null;
  currency: string | null;
  occurredAt: Date;
  eventId: string;
  /** Told again by a later or earlier event: the earliest or the latest telling stands (else the first stored). */
  keep?: 'earliest' | 'latest';
}

type Projection = {
  [Name in keyof AnalyticsEvents]: (
    payload: AnalyticsEvents[Name],
    occurredAt: Date,
  ) => Omit<Fact, 'occurredAt' | 'eventId'>[];
};

const none = { subjectId: null, actorId: null, amount: null, currency: null };

/** Each event's facts; pure, so a rebuild from the log gives what the live projection gave. */
const PROJECTION: Projection = {
  'identity.user.registered': (e) => [{ ...none, key: `signup:${e.userId}`, kind: 'SIGN_UP', actorId: e.userId }],
  'identity.user.signed_in': (e) => [
    { ...none, key: `signin:${e.userId}:${e.sessionId}`, kind: 'SIGN_IN', actorId: e.userId },
  ],
  // About four an hour per user signed in: only a UTC day's first and last are kept (see sessionDay).
  'identity.session.refreshed': (e, occurredAt) =>
    sessionDay(e.userId, occurredAt).map(({ key, keep }) => ({
      ...none,
      key,
      keep,
      kind: 'SESSION_ACTIVE',
      actorId: e.userId,
    })),
  'social.post.created': (e) => [{ ...none, key: `post:${e.postId}`, kind: 'POST', actorId: e.actorId }],
  'chat.message.sent': (e) => [{ ...none, key: `message:${e.messageId}`, kind: 'MESSAGE', actorId: e.senderId }],
  'marketplace.order.placed': (e) => [
    { key: `order:${e.orderId}`, kind: 'ORDER', subjectId: e.sellerId, actorId: e.buyerId, ...money(e) },
  ],
  'payments.payment.succeeded': (e) => [
    { key: `payment:${e.paymentId}`, kind: 'PAYMENT', subjectId: e.sellerId, actorId: e.buyerId, ...money(e) },
  ],
  'payments.payment.failed': (e) => [
    {
      ...none,
      key: `payment-failed:${e.paymentId}`,
      kind: 'PAYMENT_FAILED',
      subjectId: e.sellerId,
      actorId: e.buyerId,
      ...(e.amount !== undefined && e.currency ? money({ amount: e.amount, currency: e.currency }) : {}),
    },
  ],
  // The platform's revenue, so in no seller's figures (no subject); a renewal is nobody's doing (no actor).
  'payments.plan_subscription.paid': (e) => [
    {
      key: `plan-payment:${e.planSubscriptionId}:${new Date(e.periodEnd).toISOString()}`,
      kind: 'PLAN_PAYMENT',
      subjectId: null,
      actorId: null,
      ...money(e),
    },
  ],
  'payments.refund.succeeded': (e) => [
    { key: `refund:${e.refundId}`, kind: 'REFUND', subjectId: e.sellerId, actorId: null, ...money(e) },
  ],
  'payments.payout.paid': (e) => [
    { key: `payout:${e.payoutId}`, kind: 'PAYOUT', subjectId: e.sellerId, actorId: null, ...money(e) },
  ],
  // Told by the bus, once per event a consumer gave up on (a replayed letter that fails again is another).
  [DEAD_LETTERED]: (e) => [
    { ...none, key: `dead-letter:${e.consumer}:${e.eventId}:${e.attempts}:${e.failedAt}`, kind: 'DEAD_LETTER' },
  ],
  // Each reversal of a payout moves `reversedTotal` on; that total names the reversal.
  'payments.payout.reversed': (e) => [
    {
      key: `payout-reversal:${e.payoutId}:${e.reversedTotal}`,
      kind: 'PAYOUT_REVERSAL',
      subjectId: e.sellerId,
      actorId: null,
      ...money(e),
    },
  ],
};

const money = (e: { amount: number; currency: string }) => ({ amount: e.amount, currency: e.currency.toLowerCase() });

/**
 * A user's first and last session refresh of a UTC day. Any calendar day, in any time zone, is the end of one UTC day
 * and the start of the next (whole UTC days between), so a user was active in it exactly when one of those two facts
 * falls in it: daily and monthly active users stay exact with two rows per user and day, not one per refresh.
 */
export function sessionDay(userId: string, occurredAt: Date) {
  const day = occurredAt.toISOString().slice(0, 10);
  return [
    { key: `session-first:${userId}:${day}`, keep: 'earliest' as const },
    { key: `session-last:${userId}:${day}`, keep: 'latest' as const },
  ];
}

/**
 * The facts the seller and platform reports count: each event's facts (PROJECTION) stored by key. The log keeps the
 * fields they read, nothing else (no message excerpts, e-mail addresses or client addresses).
 */
export const facts: ReadModel<AnalyticsEvents> = {
  kept: {
    'identity.user.registered': ['userId'],
    'identity.user.signed_in': ['userId', 'sessionId'],
    'identity.session.refreshed': ['userId'],
    'social.post.created': ['postId', 'actorId'],
    'chat.message.sent': ['messageId', 'senderId'],
    'marketplace.order.placed': ['orderId', 'sellerId', 'buyerId', 'amount', 'currency', 'purpose'],
    'payments.payment.succeeded': ['paymentId', 'sellerId', 'buyerId', 'amount', 'currency'],
    'payments.payment.failed': ['paymentId', 'sellerId', 'buyerId', 'amount', 'currency'],
    'payments.plan_subscription.paid': ['planSubscriptionId', 'userId', 'planId', 'amount', 'currency', 'periodEnd'],
    'payments.refund.succeeded': ['refundId', 'sellerId', 'amount', 'currency'],
    'payments.payout.paid': ['payoutId', 'sellerId', 'amount', 'currency'],
    'payments.payout.reversed': ['payoutId', 'sellerId', 'amount', 'reversedTotal', 'currency'],
    [DEAD_LETTERED]: ['consumer', 'eventId', 'attempts', 'failedAt'],
  },
  fold: {
    ...(Object.fromEntries(
      Object.keys(PROJECTION).map((name) => [
        name,
        (em: EntityManager, _payload: unknown, event: LoggedEvent) => storeFacts(em, event),
      ]),
    ) as ReadModel<AnalyticsEvents>['fold']),
    'identity.session.refreshed': (em, payload, event) => storeSessionDay(em, payload.userId, event),
  },
  tables: ['facts', 'fact_slots', 'activity_days'],
};

/** An event's facts; pure, so a rebuild from the log gives what the live projection gave. */
export function factsOf(event: LoggedEvent): Fact[] {
  const project = PROJECTION[event.name as keyof AnalyticsEvents] as
    | ((payload: unknown, occurredAt: Date) => Omit<Fact, 'occurredAt' | 'eventId'>[])
    | undefined;
  if (!project) return [];
  return project(event.payload, event.occurredAt).map((fact) => ({
    ...fact,
    occurredAt: event.occurredAt,
    eventId: event.id,
  }));
}

/** Which telling of a fact stands, whatever order they come in: the first stored, or the earliest or latest. */
const ON_CONFLICT = {
  first: 'do nothing',
  earliest: `do update set occurred_at = excluded.occurred_at, event_id = excluded.event_id
    where (excluded.occurred_at, excluded.event_id) < (f.occurred_at, f.event_id)`,
  latest: `do update set occurred_at = excluded.occurred_at, event_id = excluded.event_id
    where (excluded.occurred_at, excluded.event_id) > (f.occurred_at, f.event_id)`,
};

/** Facts that say their actor used PeerLink: who did something, or was signed in (SESSION_ACTIVE). */
export const ACTIVE_KINDS: readonly FactKind[] = [
  'SIGN_UP',
  'SIGN_IN',
  'SESSION_ACTIVE',
  'POST',
  'MESSAGE',
  'ORDER',
  'PAYMENT',
];

/** Facts are counted per quarter hour, so days in any time zone (offsets of :30 and :45 too) add up whole. */
const SLOT_MS = 15 * 60_000;
const slotOf = (at: Date) => new Date(Math.floor(at.getTime() / SLOT_MS) * SLOT_MS);

/**
 * The event's facts, each stored once by its key, and what the platform report reads of them: a new fact is counted
 * (and its amount summed) in its quarter hour's `fact_slots` row, and an activity moves its user's first or last of
 * that UTC day in `activity_days`. Session facts move with every refresh: they are activity only, never counted.
 */
async function storeFacts(em: EntityManager, event: LoggedEvent) {
  for (const fact of factsOf(event)) {
    const stored = await em.execute<{ key: string }[]>(
      `insert into ${table(em, 'facts')} as f (key, kind, subject_id, actor_id, amount, currency, occurred_at, event_id)
       values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (key) ${ON_CONFLICT[fact.keep ?? 'first']} returning key`,
      [fact.key, fact.kind, fact.subjectId, fact.actorId, fact.amount, fact.currency, fact.occurredAt, fact.eventId],
    );
    if (stored.length && !fact.keep)
      await em.execute(
        `insert into ${table(em, 'fact_slots')} as s (slot, kind, currency, facts, amount, last_at)
         values (?, ?, ?, 1, ?, ?) on conflict (slot, kind, currency) do update set facts = s.facts + 1,
           amount = s.amount + excluded.amount, last_at = greatest(s.last_at, excluded.last_at)`,
        [slotOf(fact.occurredAt), fact.kind, fact.currency ?? '', fact.amount ?? 0, fact.occurredAt],
      );
    // Idempotent whatever the order: the earliest and the latest activity of the day.
    if (fact.actorId && ACTIVE_KINDS.includes(fact.kind))
      await em.execute(
        `insert into ${table(em, 'activity_days')} as a (user_id, day, first_at, last_at)
         values (?, (?::timestamptz at time zone 'UTC')::date, ?, ?) on conflict (user_id, day) do update set
           first_at = least(a.first_at, excluded.first_at), last_at = greatest(a.last_at, excluded.last_at)
         where excluded.first_at < a.first_at or excluded.last_at > a.last_at`,
        [fact.actorId, fact.occurredAt, fact.occurredAt, fact.occurredAt],
      );
  }
}

/**
 * A refresh moves its user's first or last of the day, or neither; the log then keeps only the refreshes those two
 * facts name (all a rebuild needs), not one row per refresh for ever. Every row dropped has been folded already.
 */
async function storeSessionDay(em: EntityManager, userId: string, event: LoggedEvent) {
  const keys = sessionDay(userId, event.occurredAt).map((day) => day.key);
  const facts = table(em, 'facts');
  // One refresh of a user's day at a time, so none is left in the log by another that moved the day meanwhile.
  await lockKey(em, keys[0]!);
  const before = await em.execute<{ event_id: string }[]>(`select event_id from ${facts} where key in (?, ?)`, keys);
  await storeFacts(em, event);
  await em.execute(
    `delete from ${table(em, 'event_log')} where name = 'identity.session.refreshed' and event_id = any(?::uuid[])
       and event_id not in (select event_id from ${facts} where key in (?, ?))`,
    [uuidArray([event.id, ...before.map((row) => row.event_id)]), ...keys],
  );
}
