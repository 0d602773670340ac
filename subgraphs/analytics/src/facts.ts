import type { ChatEvents } from '@peerlink/contracts/chat';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { SocialEvents } from '@peerlink/contracts/social';

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
  >;

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

export interface LoggedEvent {
  id: string;
  name: string;
  occurredAt: Date;
  payload: unknown;
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
 * What the log keeps of each payload: the fields the projection reads, nothing else (no message
 * excerpts, e-mail addresses or client addresses), so a rebuild folds exactly what a live event did.
 */
const KEPT: { [Name in keyof AnalyticsEvents]: (keyof AnalyticsEvents[Name])[] } = {
  'identity.user.registered': ['userId'],
  'identity.user.signed_in': ['userId', 'sessionId'],
  'social.post.created': ['postId', 'actorId'],
  'chat.message.sent': ['messageId', 'senderId'],
  'marketplace.order.placed': ['orderId', 'sellerId', 'buyerId', 'amount', 'currency'],
  'payments.payment.succeeded': ['paymentId', 'sellerId', 'buyerId', 'amount', 'currency'],
  'payments.payment.failed': ['paymentId', 'sellerId', 'buyerId'],
  'payments.refund.succeeded': ['refundId', 'sellerId', 'amount', 'currency'],
  'payments.payout.paid': ['payoutId', 'sellerId', 'amount', 'currency'],
  'payments.payout.reversed': ['payoutId', 'sellerId', 'amount', 'reversedTotal', 'currency'],
};

export function keptOf(name: string, payload: unknown): Record<string, unknown> {
  const fields = (KEPT as Record<string, string[]>)[name] ?? [];
  const given = payload as Record<string, unknown>;
  return Object.fromEntries(fields.filter((field) => field in given).map((field) => [field, given[field]]));
}

export const ANALYTICS_EVENT_NAMES = Object.keys(PROJECTION) as (keyof AnalyticsEvents)[];

export function factsOf(event: LoggedEvent): Fact[] {
  const project = PROJECTION[event.name as keyof AnalyticsEvents] as
    | ((payload: unknown) => Omit<Fact, 'occurredAt' | 'eventId'>[])
    | undefined;
  if (!project) return [];
  return project(event.payload).map((fact) => ({ ...fact, occurredAt: event.occurredAt, eventId: event.id }));
}
