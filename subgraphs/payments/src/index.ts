import { Repeating } from '@peerlink/platform/background/repeating';
import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import { OutsideCalls, outsideCallSettings } from '@peerlink/platform/outside-call';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import { paymentsConfig, type PaymentsConfig } from './config.js';
import type { PaymentsContext, PaymentsServices } from './context.js';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import { PaymentLoaders } from './loaders.js';
import { marketplaceEventHandlers } from './charges/marketplace-events.handler.js';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { migrations } from './migrations/index.js';
import { moneyResolvers } from './money.resolver.js';
import { Payment } from './charges/payment.entity.js';
import { Refund } from './charges/refund.entity.js';
import { PaymentResolver } from './charges/payment.resolver.js';
import { PaymentMethodSetup } from './payment-methods/payment-method-setup.entity.js';
import { PaymentMethod } from './payment-methods/payment-method.entity.js';
import { PaymentMethodResolver } from './payment-methods/payment-method.resolver.js';
import { PaymentMethodService } from './payment-methods/payment-method.service.js';
import { setupIntentWebhooks } from './payment-methods/payment-method.webhooks.js';
import { PaymentService } from './charges/payment.service.js';
import { PlanSubscription } from './plans/plan-subscription.entity.js';
import { PlanSubscriptionResolver } from './plans/plan-subscription.resolver.js';
import { PlanSubscriptionService } from './plans/plan-subscription.service.js';
import { planSubscriptionWebhooks } from './plans/plan-subscription.webhooks.js';
import { Plan } from './plans/plan.entity.js';
import { PlanResolver } from './plans/plan.resolver.js';
import { PlanService } from './plans/plan.service.js';
import { sandboxBillingClock } from './sandbox/sandbox-billing-clock.js';
import { paymentIntentWebhooks, stripeWebhooks } from './stripe/stripe-webhooks.js';
import { payerPages } from './charges/payer-pages.js';
import { stripeUnavailable } from './stripe/stripe-unavailable.js';
import { payoutEntities, PayoutResolver, startPayouts } from './payouts/payouts.js';

/**
 * Payments: each placed marketplace order charged once through a card provider, saved cards, the platform's recurring
 * plans, and sellers' payouts.
 */
export const payments: SubgraphDefinition<PaymentsServices, PaymentLoaders, PaymentsConfig> = {
  name: 'payments',
  entities: [Payment, Refund, PaymentMethod, PaymentMethodSetup, Plan, PlanSubscription, ...payoutEntities],
  migrations,
  config: paymentsConfig,
  resolvers: [
    PaymentResolver,
    PaymentMethodResolver,
    PlanResolver,
    PlanSubscriptionResolver,
    PayoutResolver,
    ...moneyResolvers,
  ],
  outsideServiceDown: stripeUnavailable,
  references: {
    Payment: (reference: { id: string }, ctx: { loaders: PaymentLoaders }) => ctx.loaders.visible(reference.id),
    Plan: (reference: { id: string }, ctx: PaymentsContext) => ctx.services.plans.byId(reference.id).catch(() => null),
  },

  async start({ bus, config, logger }, orm, settings) {
    const outbox = new Outbox<PaymentsEvents>(orm, bus, logger);
    // Chosen with the other adapters (provider-choice.ts); the sandbox opens on this database.
    const chosen = settings.provider;
    const stripe = chosen.kind === 'stripe' ? chosen.stripe : null;
    const opened = chosen.kind === 'sandbox' ? await chosen.open(orm) : null;
    const sandbox = opened?.provider ?? null;
    const ledger = opened?.ledger ?? null;
    const provider = chosen.kind === 'stripe' ? chosen.provider : opened!.provider;
    // Every call to the provider is claimed, made after commit with a deadline, and recorded (outside-call.ts).
    const calls = new OutsideCalls(outbox, outsideCallSettings(config), logger);
    const paymentMethods = new PaymentMethodService(orm, provider, calls, outsideCallSettings(config));
    const payments = new PaymentService(provider, outbox, paymentMethods, calls);
    const plans = new PlanService(orm, provider, calls);
    const planSubscriptions = new PlanSubscriptionService(outbox, provider, paymentMethods, logger);
    // Stripe renews subscriptions and tells us by webhook; the sandbox renews on this clock.
    const billingClock = sandbox && sandboxBillingClock(sandbox, outbox, planSubscriptions, logger).start();
    const stalePlanSubscriptions = new Repeating(
      'pending plan-subscription sweep',
      60_000,
      () => planSubscriptions.finishStale(),
      logger,
    ).start();
    const stopConsuming = await consumeEvents<MarketplaceEvents, PaymentsEvents>({
      bus,
      outbox,
      consumer: 'payments',
      handlers: marketplaceEventHandlers(payments),
      logger,
    });
    const payouts = await startPayouts({
      bus,
      publicUrl: config.publicUrl,
      platformFeePercent: settings.PLATFORM_FEE_PERCENT,
      logger,
      outbox,
      stripe,
      ledger,
      em: orm.em as never,
      calls,
    });
    // Every kind of call is registered by now: the sweeper may find any of them.
    calls.start();
    return {
      services: { payments, paymentMethods, plans, planSubscriptions, ...payouts.services },
      routes: {
        '/payments': payerPages({ sandbox, payments, paymentMethods, outbox, logger }),
        // Stripe's webhooks where Stripe is the provider (its settings always carry the signing secret).
        ...(chosen.kind === 'stripe'
          ? {
              '/webhooks': stripeWebhooks({
                ...chosen.webhookSecrets,
                handlers: {
                  ...paymentIntentWebhooks(payments),
                  ...setupIntentWebhooks(paymentMethods),
                  ...planSubscriptionWebhooks(planSubscriptions, logger),
                  ...payouts.webhooks,
                },
                outbox,
                logger,
              }),
            }
          : {}),
      },
      createLoaders: (viewer) => new PaymentLoaders(orm.em as never, viewer),
      async stop() {
        await billingClock?.stop();
        await calls.stop();
        await stalePlanSubscriptions.stop();
        await stopConsuming();
        await payouts.stop();
        await outbox.close();
        // What the sandbox recorded last is written before the database closes.
        await ledger?.settled();
      },
    };
  },
};

// The package exports only this file: the end-to-end specs drive payouts and providers through these.
export type { PaymentsServices } from './context.js';
