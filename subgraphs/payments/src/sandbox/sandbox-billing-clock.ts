import { Repeating } from '@peerlink/platform/background/repeating';
import { rows, table } from '@peerlink/platform/db/sql';
import type { Outbox } from '@peerlink/platform/events/outbox';
import type { Logger } from '@peerlink/platform/logger';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PaymentsEvents } from '@peerlink/contracts/payments';
import type { PlanSubscriptionService } from '../plans/plan-subscription.service.js';
import type { BillingEvent } from '../provider.js';
import type { SandboxPayments } from './sandbox-provider.js';

/**
 * The sandbox's billing clock: on each tick the sandbox renews what is due and its news goes
 * through the same `apply` as Stripe's webhooks, each event once (recorded with the webhooks' ids).
 * News that cannot be applied yet is kept and tried again on the next tick, as Stripe redelivers.
 */
export function sandboxBillingClock(
  sandbox: SandboxPayments,
  outbox: Outbox<PaymentsEvents>,
  subscriptions: PlanSubscriptionService,
  logger: Logger,
): Repeating {
  let pending: (BillingEvent & { id: string })[] = [];
  return new Repeating(
    'sandbox billing clock',
    sandbox.billingTickMs,
    async () => {
      const due = [...pending, ...sandbox.renewDue()];
      // As Stripe records a renewal before its webhook tells of it.
      await sandbox.settled();
      pending = [];
      for (const event of due) {
        await outbox
          .transaction(async (em, publish) => {
            if (await firstTime(em, event)) await subscriptions.apply(em, publish, event);
          })
          .catch((err: unknown) => {
            logger.warn(
              { err, event: event.type, eventId: event.id },
              'sandbox billing event not applied yet; trying again',
            );
            pending.push(event);
          });
      }
    },
    logger,
  );
}

const firstTime = async (em: EntityManager, event: { id: string; type: string }) =>
  (
    await rows(
      em,
      `insert into ${table(em, 'webhook_events')} (id, type, received_at) values (?, ?, now()) on conflict ` +
        `(id) do nothing returning id`,
      [event.id, event.type],
    )
  ).length > 0;
