import type { EntityManager } from '@mikro-orm/postgresql';
import type { ChatEvents } from '@peerlink/contracts/chat';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import { canRead } from './access.js';
import type { DriveEvents } from '@peerlink/contracts/drive';
import { DriveFile, FileShare } from './file.entity.js';
import { rows, saveIfNewer, table, uuidArray } from '@peerlink/platform/db/sql';

/**
 * Chat attachments. Drive keeps who is in each conversation (chat's `chat.members.changed`) and,
 * when a message asks to attach files, lets the conversation's members read those the sender may
 * read, answering with `drive.attachments.checked`. Attaching shares the file with the members,
 * whatever its visibility, as long as the message exists and they stay in the conversation.
 */
export function chatEventHandlers(): EventHandlers<ChatEvents, DriveEvents> {
  return {
    // The grant lives as long as the message that made it.
    'chat.message.deleted': async ({ messageId }, { em }) => {
      await em.execute(`delete from ${table(em, 'attachment_grants')} where message_id = ?`, [messageId]);
    },

    // Membership events may be handled out of order; the latest one wins.
    'chat.members.changed': ({ conversationId, memberIds }, { em, event }) =>
      saveIfNewer(em, 'conversation_members', {
        key: { conversation_id: conversationId },
        values: { member_ids: uuidArray(memberIds) },
        eventId: event.id,
      }),

    // Most messages attach nothing: those are acknowledged without a transaction or an inbox record.
    'chat.message.sent': {
      when: ({ attachmentIds }) => attachmentIds?.length > 0,
      handle: async ({ messageId, conversationId, senderId, attachmentIds }, { em, publish }) => {
        const accepted: string[] = [];
        for (const fileId of attachmentIds) {
          if (await senderMayRead(em, fileId, senderId)) accepted.push(fileId);
        }
        for (const fileId of accepted) {
          await em.execute(
            `insert into ${table(em, 'attachment_grants')} (file_id, conversation_id, message_id, granted_at) values (?,
               ?, ?, now())
             on conflict (file_id, message_id) where message_id is not null do nothing`,
            [fileId, conversationId, messageId],
          );
        }
        publish('drive.attachments.checked', {
          messageId,
          conversationId,
          accepted,
          refused: attachmentIds.filter((id) => !accepted.includes(id)),
        });
      },
    },
  };
}

/** By the file's own rules, or because it was attached in a conversation the sender is in (forwarding). */
async function senderMayRead(em: EntityManager, fileId: string, senderId: string): Promise<boolean> {
  const file = await em.findOne(DriveFile, { id: fileId });
  // Nothing in the trash is attached, not even by its owner: members could not read it.
  if (!file?.currentVersionId || file.deletedAt) return false;
  const share = await em.findOne(FileShare, { fileId, userId: senderId });
  if (canRead(file, senderId, share?.role ?? null)) return true;
  const viaConversation = await rows(
    em,
    `select 1 from ${table(em, 'attachment_grants')} g join ${table(em, 'conversation_members')} m on m.conversation_id
       = g.conversation_id
     where g.file_id = ? and ? = any(m.member_ids) limit 1`,
    [fileId, senderId],
  );
  return viaConversation.length > 0;
}
