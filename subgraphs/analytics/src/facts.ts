import type { ChatEvents } from '@peerlink/contracts/chat';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { SocialEvents } from '@peerlink/contracts/social';
import type { EntityManager } from '@mikro-orm/postgresql';
import { table } from '@peerlink/platform/db/sql';
import { DEAD_LETTERED, type DeadLettered } from '@peerlink/platform/events/event-bus';
import type { LoggedEvent, ReadModel } from './read-model.js';

/** What analytics hears: business facts only, never live events, which repeat them. */
export type AnalyticsEvents = Pick<IdentityEvents, 'identity.user.registered' | 'identity.user.signed_in'> &
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
  > & { [DEAD_LETTERED]: DeadLettered };

export const FACT_KINDS = [
  'SIGN_UP',
  'SIGN_IN',
  'POST',
  'MESSAGE',
  'ORDER',
  'PAYMENT',
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
}

type Projection = {
  [Name in keyof AnalyticsEvents]: (payload: AnalyticsEvents[Name]) => Omit<Fact, 'occurredAt' | 'eventId'>[];
};

const none = { subjectId: null, actorId: null, amount: null, currency: null };

/** Each event's facts; pure, so a rebuild from the log gives what the live projection gave. */
const PROJECTION: Projection = {
  'identity.user.registered': (e) => [{ ...none, key: `signup:${e.userId}`, kind: 'SIGN_UP', actorId: e.userId }],
  'identity.user.signed_in': (e) => [
    { ...none, key: `signin:${e.userId}:${e.sessionId}`, kind: 'SIGN_IN', actorId: e.userId },
  ],
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
 * The facts the seller and platform reports count: each event's facts (PROJECTION) stored by key. The log keeps the
 * fields they read, nothing else (no message excerpts, e-mail addresses or client addresses).
 */
export const facts: ReadModel<AnalyticsEvents> = {
  kept: {
    'identity.user.registered': ['userId'],
    'identity.user.signed_in': ['userId', 'sessionId'],
    'social.post.created': ['postId', 'actorId'],
    'chat.message.sent': ['messageId', 'senderId'],
    'marketplace.order.placed': ['orderId', 'sellerId', 'buyerId', 'amount', 'currency', 'purpose'],
    'payments.payment.succeeded': ['paymentId', 'sellerId', 'buyerId', 'amount', 'currency'],
    'payments.payment.failed': ['paymentId', 'sellerId', 'buyerId'],
    'payments.refund.succeeded': ['refundId', 'sellerId', 'amount', 'currency'],
    'payments.payout.paid': ['payoutId', 'sellerId', 'amount', 'currency'],
    'payments.payout.reversed': ['payoutId', 'sellerId', 'amount', 'reversedTotal', 'currency'],
    [DEAD_LETTERED]: ['consumer', 'eventId', 'attempts', 'failedAt'],
  },
  fold: Object.fromEntries(
    Object.keys(PROJECTION).map((name) => [
      name,
      (em: EntityManager, _payload: unknown, event: LoggedEvent) => storeFacts(em, event),
    ]),
  ) as ReadModel<AnalyticsEvents>['fold'],
  tables: ['facts'],
};

/** An event's facts; pure, so a rebuild from the log gives what the live projection gave. */
export function factsOf(event: LoggedEvent): Fact[] {
  const project = PROJECTION[event.name as keyof AnalyticsEvents] as
    | ((payload: unknown) => Omit<Fact, 'occurredAt' | 'eventId'>[])
    | undefined;
  if (!project) return [];
  return project(event.payload).map((fact) => ({ ...fact, occurredAt: event.occurredAt, eventId: event.id }));
}

/** The event's facts, each stored once by its key. */
async function storeFacts(em: EntityManager, event: LoggedEvent) {
  for (const fact of factsOf(event))
    await em.execute(
      `insert into ${table(em, 'facts')} (key, kind, subject_id, actor_id, amount, currency, occurred_at, event_id)
       values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (key) do nothing`,
      [fact.key, fact.kind, fact.subjectId, fact.actorId, fact.amount, fact.currency, fact.occurredAt, fact.eventId],
    );
}
