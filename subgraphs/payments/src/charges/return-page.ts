import { timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { PaymentMethodSetup, PaymentMethodSetupStatus } from '../payment-methods/payment-method-setup.entity.js';
import { Payment, PaymentStatus } from './payment.entity.js';

export interface ReturnOutcome {
  title: string;
  text: string;
  /** Still waiting for the provider's word: the page looks again after this many seconds. */
  refreshSeconds?: number;
}

const GENERIC: ReturnOutcome = {
  title: 'Payment submitted',
  text: 'Your bank has answered. Go back to PeerLink: your order updates as soon as the payment is confirmed.',
};
const WAITING: ReturnOutcome = {
  title: 'Waiting for confirmation',
  text:
    'Your bank has answered; PeerLink is waiting for the payment provider to confirm it. This page looks again ' +
    'every few seconds.',
  refreshSeconds: 3,
};

/**
 * What `/payments/return` tells the payer Stripe sent back after 3-D Secure. Stripe adds the
 * intent's id and client secret to the address; only someone holding that secret (the payer) is
 * told how it went, from what payments has recorded (the webhook's word, not the address's
 * `redirect_status`, which anyone can type). Anyone else gets the page as it always was.
 */
export async function returnOutcome(em: EntityManager, query: Record<string, unknown>): Promise<ReturnOutcome> {
  const param = (name: string) =>
    typeof query[name] === 'string' && (query[name] as string).length <= 300 ? (query[name] as string) : undefined;
  const paymentIntent = param('payment_intent');
  const setupIntent = param('setup_intent');
  if (paymentIntent) {
    const payment = await em.findOne(Payment, { providerPaymentId: paymentIntent });
    if (!payment || !sameSecret(payment.clientSecret, param('payment_intent_client_secret'))) return GENERIC;
    switch (payment.status) {
      case PaymentStatus.SUCCEEDED:
      case PaymentStatus.PARTIALLY_REFUNDED:
      case PaymentStatus.REFUNDED:
        return {
          title: 'Payment confirmed',
          text: 'Your bank approved the payment and your order is paid. Go back to PeerLink to follow it.',
        };
      case PaymentStatus.FAILED:
        return {
          title: 'Payment failed',
          text:
            `The payment did not go through: ${escapeHtml(payment.failureReason ?? 'your bank refused it.')} Go ` +
            `back to PeerLink to pay with another card.`,
        };
      default:
        return WAITING;
    }
  }
  if (setupIntent) {
    const setup = await em.findOne(PaymentMethodSetup, { providerSetupId: setupIntent });
    if (!setup || !sameSecret(setup.clientSecret, param('setup_intent_client_secret'))) return GENERIC;
    if (setup.status === PaymentMethodSetupStatus.SUCCEEDED)
      return { title: 'Card saved', text: 'Your bank approved the card and it is saved. Go back to PeerLink.' };
    if (setup.status === PaymentMethodSetupStatus.FAILED) {
      return {
        title: 'Card not saved',
        text:
          `The card was not saved: ${escapeHtml(setup.failureReason ?? 'your bank refused it.')} Go back to ` +
          `PeerLink to try another.`,
      };
    }
    return WAITING;
  }
  return GENERIC;
}

function sameSecret(stored: string | null, given: string | undefined): boolean {
  if (!stored || !given) return false;
  const [a, b] = [Buffer.from(stored), Buffer.from(given)];
  return a.length === b.length && timingSafeEqual(a, b);
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
