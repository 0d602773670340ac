import Stripe from 'stripe';
import type { CardDetails, ConfirmedSetup, SavedPaymentMethods, SetupRequest } from '../provider.js';
import { refusalOf } from './stripe-refusal.js';

/**
 * Saved cards through Stripe: one Customer per user (its idempotency key made from the user id, so
 * a retry never makes a second), SetupIntents for off-session use, cards only.
 */
export class StripePaymentMethods implements SavedPaymentMethods {
  constructor(
    private readonly stripe: Stripe,
    private readonly returnUrl: string,
  ) {}

  async createCustomer(userId: string): Promise<{ customerId: string }> {
    const customer = await this.stripe.customers.create(
      { metadata: { userId } },
      { idempotencyKey: `peerlink-customer-${userId.toLowerCase()}` },
    );
    return { customerId: customer.id };
  }

  async setupPaymentMethod({
    customerId,
    paymentMethodId,
    idempotencyKey,
    metadata,
  }: SetupRequest): Promise<ConfirmedSetup> {
    let intent: Stripe.SetupIntent;
    try {
      intent = await this.stripe.setupIntents.create(
        {
          customer: customerId,
          usage: 'off_session',
          allowed_payment_method_types: ['card'],
          metadata,
          // Without a card the client confirms it with Stripe.js; with one, we confirm now.
          ...(paymentMethodId && { payment_method: paymentMethodId, confirm: true, return_url: this.returnUrl }),
        },
        { idempotencyKey },
      );
    } catch (error) {
      return setupFailureOf(error);
    }
    const secret = { providerSetupId: intent.id, clientSecret: intent.client_secret ?? '' };
    switch (intent.status) {
      case 'succeeded': {
        const saved = idOf(intent.payment_method);
        return { status: 'SUCCEEDED', paymentMethodId: saved, card: await this.cardOf(saved), ...secret };
      }
      case 'requires_action':
        return {
          status: 'REQUIRES_ACTION',
          actionUrl: intent.next_action?.redirect_to_url?.url ?? setupPage(this.returnUrl, intent.id),
          ...secret,
        };
      case 'requires_payment_method':
        return intent.last_setup_error
          ? {
              status: 'FAILED',
              failureReason: intent.last_setup_error.message ?? 'The card could not be saved.',
              ...secret,
            }
          : { status: 'REQUIRES_PAYMENT_METHOD', ...secret };
      default:
        throw new Error(`Stripe has no outcome yet for setup ${intent.id}: it is ${intent.status}.`);
    }
  }

  async cardOf(paymentMethodId: string): Promise<CardDetails> {
    const { card } = await this.stripe.paymentMethods.retrieve(paymentMethodId);
    if (!card) throw new Error(`Payment method ${paymentMethodId} is not a card.`);
    return { brand: card.brand, last4: card.last4, expMonth: card.exp_month, expYear: card.exp_year };
  }

  async detachPaymentMethod(paymentMethodId: string): Promise<void> {
    try {
      await this.stripe.paymentMethods.detach(paymentMethodId);
    } catch (error) {
      // Already detached (or gone): what we wanted.
      if (
        error instanceof Stripe.errors.StripeInvalidRequestError &&
        /not attached|No such PaymentMethod/i.test(error.message)
      )
        return;
      throw error;
    }
  }
}

export const idOf = (value: string | { id: string } | null | undefined) =>
  typeof value === 'string' ? value : (value?.id ?? '');

/** Stripe.js finishes a setup from our return page (`confirmCardSetup` with the client secret). */
function setupPage(returnUrl: string, setupIntentId: string) {
  const page = new URL(returnUrl);
  page.searchParams.set('setup_intent', setupIntentId);
  return page.href;
}

function setupFailureOf(error: unknown): ConfirmedSetup {
  const { failureReason, intentId, clientSecret } = refusalOf(error, 'setup_intent');
  return { status: 'FAILED', failureReason, providerSetupId: intentId, clientSecret };
}
