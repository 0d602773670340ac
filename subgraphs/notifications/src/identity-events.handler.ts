import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { NotificationsEvents } from '@peerlink/contracts/notifications';
import { NotificationKind } from './notification.entity.js';
import type { NotificationService } from './notification.service.js';
import { Recipient } from './recipient.entity.js';
import type { Mailer } from '@peerlink/platform/mail/mailer';
import type { SmsSender } from '@peerlink/platform/sms/sms-sender';
import { verificationMessage } from './messages.js';
import { saveIfNewer } from '@peerlink/platform/db/sql';

/** What notifications does when something happens to an account. */
export function identityEventHandlers(deps: {
  notifications: NotificationService;
  mailer: Mailer;
  sms: SmsSender;
  publicUrl: string;
}): EventHandlers<IdentityEvents, NotificationsEvents> {
  const { notifications, mailer, sms, publicUrl } = deps;
  return {
    'identity.user.registered': async (user, { em, publish, event }) => {
      await saveRecipient(em, { userId: user.userId, displayName: user.displayName, email: user.email, phone: null, roles: [] }, event.id);
      await notifications.notify(em, publish, {
        recipientId: user.userId,
        kind: NotificationKind.WELCOME,
        title: `Welcome to PeerLink, ${user.displayName}!`,
        body: 'Find people to follow, start a conversation, or set up your profile.',
        sourceEventId: event.id,
      });
    },

    'identity.user.updated': async (user, { em, event }) => {
      await saveRecipient(em, { userId: user.userId, displayName: user.displayName, email: user.email, phone: user.phone, roles: user.roles ?? [] }, event.id);
    },

    'identity.password.changed': async ({ userId, reason }, { em, publish, event }) => {
      await notifications.notify(em, publish, {
        recipientId: userId,
        kind: NotificationKind.SECURITY,
        title: reason === 'reset' ? 'Your password was reset' : 'Your password was changed',
        body: 'Your other sessions were signed out. If this was not you, reset your password now.',
        actorId: userId,
        sourceEventId: event.id,
      });
    },

    'identity.user.signed_in': async ({ userId, newDevice, ip, userAgent }, { em, publish, event }) => {
      if (!newDevice) return;
      await notifications.notify(em, publish, {
        recipientId: userId,
        kind: NotificationKind.SECURITY,
        title: 'New sign-in to your account',
        body: `Signed in from ${userAgent ?? 'an unknown device'}${ip ? ` at ${ip}` : ''}. If this was not you, change your password.`,
        actorId: userId,
        sourceEventId: event.id,
      });
    },

    // Verification messages are transactional: they go out whatever the user's preferences say.
    'identity.verification.requested': async (request) => {
      const message = verificationMessage(request, publicUrl);
      if (request.channel === 'sms') await sms.send(request.to, message.text);
      else await mailer.send({ to: request.to, ...message });
    },
  };
}

/** Where to reach a user, as of the latest identity event about them. */
function saveRecipient(em: EntityManager, data: Omit<Recipient, 'lastEventId'>, eventId: string) {
  return saveIfNewer(em, 'recipients', {
    key: { user_id: data.userId },
    values: { display_name: data.displayName, email: data.email, phone: data.phone, roles: `{${data.roles.join(',')}}` },
    eventId,
  });
}
