import type { EntityManager } from '@mikro-orm/postgresql';
import { rememberPerson } from '@peerlink/platform/accounts/people';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { SocialEvents } from '@peerlink/contracts/social';
import type { ChatEvents } from '@peerlink/contracts/chat';
import { AttachmentStatus, type AttachmentsChecked } from './attachment.entity.js';
import { Membership } from './conversation.entity.js';
import { Message } from './message.entity.js';
import { ChatEventKind, tellMembers } from './live.js';
import { saveIfNewer, table } from '@peerlink/platform/db/sql';

/**
 * What chat learns from other domains: which accounts exist (identity), who blocked whom (social),
 * and which attachments drive accepted.
 */
export function chatEventHandlers(): EventHandlers<
  IdentityEvents & SocialEvents & { 'drive.attachments.checked': AttachmentsChecked },
  ChatEvents
> {
  return {
    'drive.attachments.checked': async ({ messageId, conversationId, accepted, refused }, { em, publish }) => {
      const attachments = table(em, 'message_attachments');
      for (const [status, fileIds] of [
        [AttachmentStatus.ACCEPTED, accepted],
        [AttachmentStatus.REFUSED, refused],
      ] as const) {
        if (fileIds.length) {
          await em.execute(
            `update ${attachments} set status = ? where message_id = ? and file_id in ` +
              `(${fileIds.map(() => '?').join(', ')})`,
            [status, messageId, ...fileIds],
          );
        }
      }
      // Accepted files change the message for everyone in the conversation; refused ones only for
      // the sender, who is told which files were not attached.
      if (accepted.length) {
        const members = await em.find(Membership, { conversationId }, { fields: ['userId'] });
        tellMembers(
          publish,
          { kind: ChatEventKind.MESSAGE_EDITED, conversationId, messageId },
          members.map((m) => m.userId),
        );
      } else if (refused.length) {
        const message = await em.findOne(Message, { id: messageId }, { fields: ['senderId'] });
        if (message)
          tellMembers(publish, { kind: ChatEventKind.MESSAGE_EDITED, conversationId, messageId }, [message.senderId]);
      }
    },
    'identity.user.registered': rememberPerson,
    'identity.user.updated': rememberPerson,
    'social.user.blocked': ({ blockerId, blockedId }, { em, event }) =>
      saveBlock(em, blockerId, blockedId, true, event.id),
    'social.user.unblocked': ({ blockerId, blockedId }, { em, event }) =>
      saveBlock(em, blockerId, blockedId, false, event.id),
  };
}

/** Blocks and unblocks travel on separate consumers and may arrive out of order: the latest event wins. */
function saveBlock(em: EntityManager, blockerId: string, blockedId: string, active: boolean, eventId: string) {
  return saveIfNewer(em, 'blocks', {
    key: { blocker_id: blockerId, blocked_id: blockedId },
    values: { active },
    eventId,
  });
}
