import type { EntityManager } from '@mikro-orm/postgresql';
import { rows, table } from '@peerlink/platform/db/sql';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import type { Logger } from '@peerlink/platform/logger';
import express from 'express';
import Stripe from 'stripe';
import type { PaymentsEvents } from './events.js';
import type { PaymentService } from './payment.service.js';

/**
 * `POST /webhooks/stripe`: Stripe's word on payments after the call that made them, chiefly the end
 * of 3-D Secure. Each delivery must carry Stripe's signature over the exact bytes sent. An event is
 * handled once, in the transaction that records its id, so a redelivery changes nothing; one that
 * cannot be handled yet (its payment not stored yet) fails with 500, and Stripe delivers it again.
 */
export function stripeWebhooks(options: { signingSecret: string; payments: PaymentService; outbox: Outbox<PaymentsEvents>; logger: Logger }) {
  const { signingSecret, payments, outbox, logger } = options;
  const router = express.Router();
  router.post('/stripe', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    let event: Stripe.Event;
    try {
      // Verification needs no API key: the signing secret is what proves Stripe sent it.
      event = Stripe.webhooks.constructEvent(req.body as Buffer, req.header('stripe-signature') ?? '', signingSecret);
    } catch {
      return void res.status(400).json({ error: 'The Stripe signature does not match this body.' });
    }
    try {
      const handled = await outbox.transaction(async (em, publish) => {
        const first = await rows(em, `insert into ${table(em, 'webhook_events')} (id, type, received_at) values (?, ?, now()) on conflict (id) do nothing returning id`, [event.id, event.type]);
        if (!first.length) return false;
        await apply(em, publish, event);
        return true;
      });
      res.json({ received: true, duplicate: !handled });
    } catch (err) {
      logger.warn({ err, event: event.type, eventId: event.id }, 'Stripe webhook not handled yet; Stripe will deliver it again');
      res.status(500).json({ error: 'Not handled yet.' });
    }
  });

  async function apply(em: EntityManager, publish: Publish<PaymentsEvents>, event: Stripe.Event) {
    switch (event.type) {
      case 'payment_intent.succeeded':
        return payments.settle(em, publish, event.data.object.id, { status: 'SUCCEEDED' });
      case 'payment_intent.payment_failed':
      case 'payment_intent.canceled':
        return payments.settle(em, publish, event.data.object.id, {
          status: 'FAILED',
          reason: event.data.object.last_payment_error?.message ?? 'The payment was not completed.',
        });
      default:
        // Everything else Stripe may send (charges, refunds we made ourselves...) needs nothing from us.
        return;
    }
  }
  return router;
}
