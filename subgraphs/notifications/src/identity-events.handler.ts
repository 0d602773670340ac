import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';
import { Recipient } from './recipient.entity.js';
import type { MessageSends } from './message-sends.js';
import { verificationMessage } from './messages.js';
import { saveIfNewer } from '@peerlink/platform/db/sql';

/** What notifications does when something happens to an account. */
export function identityEventHandlers(deps: {
  notifications: NotificationService;
  sends: MessageSends;
  publicUrl: string;
}): EventHandlers<IdentityEvents, NotificationsEvents> {
  const { notifications, sends, publicUrl } = deps;
  return {
    'identity.user.registered': async (user, { event, ...context }) => {
      await saveRecipient(
        context.em,
        { userId: user.userId, displayName: user.displayName, email: user.email, phone: null, roles: [] },
        event.id,
      );
      await notifications.notify(context, {
        recipientId: user.userId,
        kind: NotificationKind.WELCOME,
        title: `Welcome to PeerLink, ${user.displayName}!`,
        body: 'Find people to follow, start a conversation, or set up your profile.',
        sourceEventId: event.id,
      });
    },

    'identity.user.updated': async (user, { em, event }) => {
      await saveRecipient(
        em,
        {
          userId: user.userId,
          displayName: user.displayName,
          email: user.email,
          phone: user.phone,
          roles: user.roles ?? [],
        },
        event.id,
      );
    },

    'identity.password.changed': async ({ userId, reason }, { event, ...context }) => {
      await notifications.notify(context, {
        recipientId: userId,
        kind: NotificationKind.SECURITY,
        title: reason === 'reset' ? 'Your password was reset' : 'Your password was changed',
        body: 'Your other sessions were signed out. If this was not you, reset your password now.',
        actorId: userId,
        sourceEventId: event.id,
      });
    },

    'identity.user.signed_in': async ({ userId, newDevice, ip, userAgent }, { event, ...context }) => {
      if (!newDevice) return;
      await notifications.notify(context, {
        recipientId: userId,
        kind: NotificationKind.SECURITY,
        title: 'New sign-in to your account',
        body:
          `Signed in from ${userAgent ?? 'an unknown device'}${ip ? ` at ${ip}` : ''}. If this was not you, ` +
          `change your password.`,
        actorId: userId,
        sourceEventId: event.id,
      });
    },

    // Verification messages are transactional: they go out whatever the user's preferences say,
    // claimed like every other message (one per event), and not sent late once the link expired.
    'identity.verification.requested': async (request, { em, afterCommit, event }) => {
      const message = verificationMessage(request, publicUrl);
      const id = `${event.id}:${request.userId}`;
      const { to, expiresAt } = request;
      await sends.claim(em, afterCommit, [
        request.channel === 'sms'
          ? { id, sms: { to, text: message.text, expiresAt } }
          : { id, email: { to, ...message, expiresAt } },
      ]);
    },
  };
}

/** Where to reach a user, as of the latest identity event about them. */
function saveRecipient(em: EntityManager, data: Omit<Recipient, 'lastEventId'>, eventId: string) {
  return saveIfNewer(em, 'recipients', {
    key: { user_id: data.userId },
    values: {
      display_name: data.displayName,
      email: data.email,
      phone: data.phone,
      roles: `{${data.roles.join(',')}}`,
    },
    eventId,
  });
}
