import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { rows, table } from '@peerlink/platform/db/sql';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import { formatMoney } from './messages.js';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';

type ReturnChanged = MarketplaceEvents['marketplace.return.changed'];
type Message = { recipientId: string; title: string; body: string };

/**
 * Who hears of a return request's move, and in what words; `admins` are told of escalations. The
 * refund itself reaches the buyer as the order's "Refund issued", so REFUNDED adds nothing.
 */
export function returnMessages(change: ReturnChanged, admins: string[]): Message[] {
  const amount = formatMoney(change.amount, change.currency);
  const { buyerId, sellerId, summary, returnRequestId } = change;
  const note = change.resolutionNote ?? '';
  switch (change.status) {
    case 'REQUESTED':
      return [
        {
          recipientId: sellerId,
          title: `Return requested: ${summary}`,
          body: `Your buyer asks for ${amount} back (request ${returnRequestId}). Accept or decline it.`,
        },
      ];
    case 'ACCEPTED':
      return change.previousStatus === 'ESCALATED'
        ? [
            {
              recipientId: buyerId,
              title: 'Your return will be refunded',
              body: `An admin decided: ${amount} for ${summary} goes back to you. ${note}`.trim(),
            },
            {
              recipientId: sellerId,
              title: `Escalated return refunded: ${summary}`,
              body: `An admin decided to refund ${amount}. ${note}`.trim(),
            },
          ]
        : [
            {
              recipientId: buyerId,
              title: 'Your return was accepted',
              body: `${amount} for ${summary} is being refunded.`,
            },
          ];
    case 'DECLINED':
      return [
        {
          recipientId: buyerId,
          title: 'Your return was declined',
          body:
            `The seller declined your return of ${summary}: “${change.declineReason ?? ''}”. You can ask an ` +
            `admin to decide.`,
        },
      ];
    case 'ESCALATED':
      return [
        ...admins.map((recipientId) => ({
          recipientId,
          title: `Return escalated: ${summary}`,
          body: `Return request ${returnRequestId} (${amount}) awaits an admin’s decision.`,
        })),
        {
          recipientId: sellerId,
          title: `Return escalated: ${summary}`,
          body: 'Your buyer asked an admin to decide; you will hear the outcome.',
        },
      ];
    case 'DECLINE_UPHELD':
      return [
        {
          recipientId: buyerId,
          title: 'Your escalated return was declined',
          body: `An admin upheld the seller’s decline of ${summary}. ${note}`.trim(),
        },
        {
          recipientId: sellerId,
          title: `Escalated return: your decline stands`,
          body: `An admin upheld your decline of ${summary}. ${note}`.trim(),
        },
      ];
    case 'REFUND_FAILED':
      return [
        {
          recipientId: buyerId,
          title: 'Your return could not be refunded',
          body: `${change.refundFailure ?? 'The payment refused it.'} You can ask an admin to decide.`,
        },
        {
          recipientId: sellerId,
          title: `Return not refunded: ${summary}`,
          body: change.refundFailure ?? 'The payment refused it.',
        },
      ];
    default:
      return [];
  }
}

/** Return requests, both ways (and to admins when escalated), in-app and by email by default. */
export function returnEventHandlers(
  notifications: NotificationService,
): EventHandlers<MarketplaceEvents, NotificationsEvents> {
  return {
    'marketplace.return.changed': async (change, { event, ...context }) => {
      const admins =
        change.status === 'ESCALATED'
          ? (
              await rows<{ user_id: string }>(
                context.em,
                `select user_id from ${table(context.em, 'recipients')} where 'ADMIN' = any(roles)`,
              )
            ).map((r) => r.user_id)
          : [];
      await notifications.notifyAll(
        context,
        returnMessages(change, admins).map((message) => ({
          ...message,
          kind: NotificationKind.RETURN,
          orderId: change.orderId,
          returnRequestId: change.returnRequestId,
          sourceEventId: event.id,
        })),
      );
    },
  };
}
