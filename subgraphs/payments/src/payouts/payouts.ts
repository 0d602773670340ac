import type { EntityManager } from '@mikro-orm/postgresql';
import { Repeating } from '@peerlink/platform/background/repeating';
import { consumeEvents } from '@peerlink/platform/events/consumer';
import type { EventBus } from '@peerlink/platform/events/event-bus';
import type { Outbox } from '@peerlink/platform/events/outbox';
import type { Logger } from '@peerlink/platform/logger';
import type { OutsideCalls } from '@peerlink/platform/outside-call';
import type Stripe from 'stripe';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { PayoutAccount } from './payout-account.entity.js';
import { PayoutAccountService } from './payout-account.service.js';
import { Payout } from './payout.entity.js';
import { payoutEventHandlers } from './payout-events.handler.js';
import { basisPointsOf } from './payout-fee.js';
import { PayoutService } from './payout.service.js';
import { accountWebhooks } from './payout-webhooks.js';
import type { SandboxLedger } from '../sandbox/sandbox-ledger.js';
import { SandboxPayouts } from '../sandbox/sandbox-payouts.js';
import { StripePayouts } from '../stripe/stripe-payouts.js';

export { PayoutResolver } from './payout.resolver.js';
export const payoutEntities = [PayoutAccount, Payout];

/**
 * Sellers' payouts, wired: Stripe Connect beside Stripe payments, the sandbox otherwise; its own consumer of order and
 * refund events.
 */
export async function startPayouts(options: {
  bus: EventBus;
  publicUrl: string;
  platformFeePercent: number;
  logger: Logger;
  outbox: Outbox<PaymentsEvents>;
  stripe: Stripe | null;
  ledger: SandboxLedger | null;
  em: EntityManager;
  calls: OutsideCalls<PaymentsEvents>;
}) {
  const { bus, publicUrl, platformFeePercent, logger, outbox, stripe, ledger, em, calls } = options;
  const provider = stripe ? new StripePayouts(stripe) : new SandboxPayouts(ledger ?? undefined);
  const payouts = new PayoutService(provider, basisPointsOf(platformFeePercent), em, outbox, logger, calls);
  const payoutAccounts = new PayoutAccountService(
    provider,
    outbox,
    payouts,
    `${publicUrl}/payments/payouts/return`,
    calls,
  );
  const stopConsuming = await consumeEvents<MarketplaceEvents & PaymentsEvents, PaymentsEvents>({
    bus,
    outbox,
    consumer: 'payments-payouts',
    handlers: payoutEventHandlers(payouts),
    logger,
  });
  const retries = new Repeating('refused-payout retry', 60_000, () => payouts.retryRefused(), logger).start();
  return {
    services: { payouts, payoutAccounts },
    webhooks: accountWebhooks(payoutAccounts),
    async stop() {
      await retries.stop();
      await stopConsuming();
    },
  };
}
