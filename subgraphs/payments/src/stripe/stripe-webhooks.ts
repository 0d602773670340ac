import type { EntityManager } from '@mikro-orm/postgresql';
import { rows, table } from '@peerlink/platform/db/sql';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import type { Logger } from '@peerlink/platform/logger';
import express from 'express';
import Stripe from 'stripe';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { PaymentService } from '../charges/payment.service.js';

/**
 * What one kind of Stripe event does here, in the transaction that records the event's id; outside calls it claims run
 * `afterCommit`.
 */
export type StripeEventHandler = (
  em: EntityManager,
  publish: Publish<PaymentsEvents>,
  event: Stripe.Event,
  afterCommit: (work: () => Promise<unknown>) => void,
) => Promise<void>;

/** Handlers by event type; each part of payments (payments, saved methods, plans, payouts) brings its own. */
export type StripeEventHandlers = Partial<Record<Stripe.Event.Type, StripeEventHandler>>;

/**
 * `POST /webhooks/stripe`: Stripe's word on what happened after the call that started it (3-D Secure
 * finished, a renewal paid...). Each delivery must carry Stripe's signature over the exact bytes sent.
 * An event is handled once, in the transaction that records its id, so a redelivery changes nothing;
 * one that cannot be handled yet (what it is about is not stored yet) fails with 500, and Stripe
 * delivers it again. Event types nobody handles (charges, refunds we made ourselves...) are recorded
 * and otherwise ignored.
 */
export function stripeWebhooks(options: {
  signingSecret: string;
  connectSigningSecret?: string;
  handlers: StripeEventHandlers;
  outbox: Outbox<PaymentsEvents>;
  logger: Logger;
}) {
  const { signingSecret, connectSigningSecret, handlers, outbox, logger } = options;
  const router = express.Router();
  router.post('/stripe', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    let event: Stripe.Event;
    try {
      // Verification needs no API key: the signing secret is what proves Stripe sent it.
      event = verified(req.body as Buffer, req.header('stripe-signature') ?? '', signingSecret, connectSigningSecret);
    } catch {
      return void res.status(400).json({ error: 'The Stripe signature does not match this body.' });
    }
    try {
      const committed: (() => Promise<unknown>)[] = [];
      const handled = await outbox.transaction(async (em, publish) => {
        const first = await rows(
          em,
          `insert into ${table(em, 'webhook_events')} (id, type, received_at) values (?, ?, now()) on ` +
            `conflict (id) do nothing returning id`,
          [event.id, event.type],
        );
        if (!first.length) return false;
        await handlers[event.type]?.(em, publish, event, (work) => void committed.push(work));
        return true;
      });
      // Recorded: should it fail, what is left is the sweeper's, so Stripe is told it was received.
      for (const work of committed)
        await work().catch((err: unknown) =>
          logger.warn({ err, event: event.type }, 'work after a Stripe webhook failed; its sweeper finishes it'),
        );
      res.json({ received: true, duplicate: !handled });
    } catch (err) {
      logger.warn(
        { err, event: event.type, eventId: event.id },
        'Stripe webhook not handled yet; Stripe will deliver it again',
      );
      res.status(500).json({ error: 'Not handled yet.' });
    }
  });
  return router;
}

/**
 * Stripe signs events about connected accounts (sellers' payout accounts) with the secret of the
 * Connect endpoint, which differs from the platform endpoint's: both may point here. Only events
 * about a connected account (`account` set) are taken under the Connect secret.
 */
function verified(
  body: Buffer,
  signature: string,
  signingSecret: string,
  connectSigningSecret: string | undefined,
): Stripe.Event {
  try {
    return Stripe.webhooks.constructEvent(body, signature, signingSecret);
  } catch (error) {
    if (!connectSigningSecret) throw error;
    const event = Stripe.webhooks.constructEvent(body, signature, connectSigningSecret);
    if (!event.account) throw new Error('A Connect event names its account.');
    return event;
  }
}

/**
 * 3-D Secure (or any later confirmation) of an order's payment finished one way or the other. Stripe
 * also pays plan invoices through PaymentIntents of its own: they name no order, and the invoice
 * events speak for them, so they are acknowledged and left alone (failing them would have Stripe
 * retry them for days, and at last disable the endpoint).
 */
export function paymentIntentWebhooks(payments: PaymentService): StripeEventHandlers {
  const settle =
    (
      outcome: (intent: Stripe.PaymentIntent) => { status: 'SUCCEEDED' } | { status: 'FAILED'; reason: string },
    ): StripeEventHandler =>
    async (em, publish, event) => {
      const intent = event.data.object as Stripe.PaymentIntent;
      if (!intent.metadata?.orderId) return;
      await payments.settle(em, publish, intent.id, outcome(intent));
    };
  const failed = settle((intent) => ({
    status: 'FAILED',
    reason: intent.last_payment_error?.message ?? 'The payment was not completed.',
  }));
  return {
    'payment_intent.succeeded': settle(() => ({ status: 'SUCCEEDED' })),
    'payment_intent.payment_failed': failed,
    'payment_intent.canceled': failed,
  };
}
