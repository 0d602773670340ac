import { ASSISTANT_USER_ID, type AssistantEvents } from '@peerlink/contracts/assistant';
import type { ChatEvents } from '@peerlink/contracts/chat';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import { Membership } from './conversation.entity.js';
import { ChatEventKind, tellMembers } from './live.js';
import { Message, MessageKind } from './message.entity.js';
import { MAX_MESSAGE_LENGTH, storeMessage } from './message.service.js';

/**
 * The assistant answers a member who mentioned it: the answer goes into the conversation as a message
 * from the assistant's account, unless the member has left since (then nobody asked any more). Each
 * answer is stored once, by its id.
 */
export function assistantAnswerHandlers(): EventHandlers<AssistantEvents, ChatEvents> {
  return {
    'assistant.chat.answered': async (answer, { em, publish }) => {
      const members = await em.find(Membership, { conversationId: answer.conversationId }, { fields: ['userId'] });
      if (!members.some((member) => member.userId === answer.askedBy)) return;
      const message = Object.assign(new Message(), {
        conversationId: answer.conversationId,
        senderId: ASSISTANT_USER_ID,
        // A model's answer can run long; chat's own limit holds for it too.
        body: answer.body.slice(0, MAX_MESSAGE_LENGTH),
        clientMessageId: `assistant:${answer.answerId}`,
        kind: MessageKind.ASSISTANT,
      });
      if (!(await storeMessage(em, message, []))) return;
      tellMembers(
        publish,
        { kind: ChatEventKind.MESSAGE_ADDED, conversationId: answer.conversationId, messageId: message.id },
        members.map((member) => member.userId),
      );
    },
  };
}
