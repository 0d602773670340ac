import Stripe from 'stripe';
import type { PlanTerms, SetupRequest, SubscriptionRequest } from '../provider.js';
import {
  RefundRefused,
  type ConfirmedPayment,
  type PaymentOutcome,
  type PaymentProvider,
  type PaymentRequest,
  type RefundRequest,
} from '../provider.js';
import { StripeBilling } from './stripe-billing.js';
import { StripePaymentMethods } from './stripe-payment-methods.js';
import { refusalOf } from './stripe-refusal.js';

export interface StripePaymentsOptions {
  stripe: Stripe;
  /**
   * Our page the buyer comes back to after 3-D Secure; Stripe adds `?payment_intent=pi_…`. Confirming
   * with it makes Stripe answer an authentication with a page to open (`redirect_to_url`).
   */
  returnUrl: string;
}

/**
 * Card payments through Stripe's PaymentIntents, created and confirmed in one call. Our idempotency
 * keys are sent as Stripe's own, so Stripe keeps the promise that a repeated key charges once.
 * Saved cards and plans are their own adapters (stripe-payment-methods.ts, stripe-billing.ts).
 */
export class StripePayments implements PaymentProvider {
  readonly name = 'stripe';
  private readonly stripe: Stripe;
  private readonly returnUrl: string;
  private readonly methods: StripePaymentMethods;
  private readonly billing: StripeBilling;

  constructor({ stripe, returnUrl }: StripePaymentsOptions) {
    this.stripe = stripe;
    this.returnUrl = new URL(returnUrl).href;
    this.methods = new StripePaymentMethods(stripe, this.returnUrl);
    this.billing = new StripeBilling(stripe);
  }

  async confirmPayment({
    amount,
    currency,
    paymentMethodId,
    customerId,
    idempotencyKey,
    metadata,
  }: PaymentRequest): Promise<ConfirmedPayment> {
    let intent: Stripe.PaymentIntent;
    try {
      intent = await this.stripe.paymentIntents.create(
        // Cards only (`payment_method_types` before API version 2026-09-30).
        // A saved card is charged with its customer, which Stripe requires of an attached card.
        {
          amount,
          currency,
          payment_method: paymentMethodId,
          ...(customerId && { customer: customerId }),
          allowed_payment_method_types: ['card'],
          confirm: true,
          return_url: this.returnUrl,
          metadata,
        },
        { idempotencyKey },
      );
    } catch (error) {
      return failureOf(error);
    }
    return {
      ...outcomeOf(intent, this.returnUrl),
      providerPaymentId: intent.id,
      clientSecret: intent.client_secret ?? '',
    };
  }

  async refund({
    providerPaymentId,
    amount,
    idempotencyKey,
    metadata,
  }: RefundRequest): Promise<{ providerRefundId: string }> {
    try {
      const refund = await this.stripe.refunds.create(
        { payment_intent: providerPaymentId, amount, metadata },
        { idempotencyKey },
      );
      return { providerRefundId: refund.id };
    } catch (error) {
      // More than is left, a payment that did not succeed, no such payment: Stripe's words suit the asker.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) throw new RefundRefused(error.message);
      throw error;
    }
  }

  createCustomer(userId: string) {
    return this.methods.createCustomer(userId);
  }

  setupPaymentMethod(request: SetupRequest) {
    return this.methods.setupPaymentMethod(request);
  }

  cardOf(paymentMethodId: string) {
    return this.methods.cardOf(paymentMethodId);
  }

  detachPaymentMethod(paymentMethodId: string) {
    return this.methods.detachPaymentMethod(paymentMethodId);
  }

  createPlanPrice(plan: PlanTerms) {
    return this.billing.createPlanPrice(plan);
  }

  createSubscription(request: SubscriptionRequest) {
    return this.billing.createSubscription(request);
  }

  cancelAtPeriodEnd(providerSubscriptionId: string) {
    return this.billing.cancelAtPeriodEnd(providerSubscriptionId);
  }
}

/**
 * What a confirmed PaymentIntent means here. `processing` (which cards rarely see) is recorded as such
 * and settled by Stripe's `payment_intent.succeeded` or `payment_failed` webhook, like 3-D Secure. The
 * manual-capture states cannot arise (we capture automatically): they throw, so nothing is recorded,
 * rather than calling a payment that may still go either way failed or paid.
 */
export function outcomeOf(
  intent: Pick<Stripe.PaymentIntent, 'id' | 'status' | 'next_action' | 'last_payment_error'>,
  returnUrl: string,
): PaymentOutcome {
  switch (intent.status) {
    case 'succeeded':
      return { status: 'SUCCEEDED' };
    case 'requires_action':
      return { status: 'REQUIRES_ACTION', actionUrl: actionUrlOf(intent, returnUrl) };
    case 'processing':
      return { status: 'PROCESSING' };
    case 'requires_payment_method':
    case 'canceled':
      return {
        status: 'FAILED',
        failureReason: intent.last_payment_error?.message ?? 'The payment was not completed.',
      };
    default:
      throw new Error(`Stripe has no outcome yet for payment ${intent.id}: it is ${intent.status}.`);
  }
}

/**
 * Stripe's own page when it gave one. `use_stripe_sdk` holds data only Stripe.js can read, so the buyer
 * is sent to our return page, which has the payment's client secret and calls `stripe.handleNextAction`.
 */
function actionUrlOf(intent: Pick<Stripe.PaymentIntent, 'id' | 'next_action'>, returnUrl: string): string {
  const redirect = intent.next_action?.redirect_to_url?.url;
  if (redirect) return redirect;
  const page = new URL(returnUrl);
  page.searchParams.set('payment_intent', intent.id);
  return page.href;
}

function failureOf(error: unknown): ConfirmedPayment {
  const { failureReason, intentId, clientSecret } = refusalOf(error, 'payment_intent');
  return { status: 'FAILED', failureReason, providerPaymentId: intentId, clientSecret };
}
