import type { ChatEvents } from '@peerlink/contracts/chat';
import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Publish } from '@peerlink/platform/events/outbox';
import { Membership } from './conversation.entity.js';
import { ChatEventKind, tellMembers } from './live.js';
import { Message, MessageKind } from './message.entity.js';
import { storeMessage } from './message.service.js';

const ENDED_KIND = {
  ENDED: MessageKind.CALL_ENDED,
  MISSED: MessageKind.CALL_MISSED,
  DECLINED: MessageKind.CALL_DECLINED,
};

const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;

/**
 * Calls show in their conversation as messages from the caller: started, then missed, declined or
 * ended with its length. The call and kind name each message once (its client message id), so a
 * redelivered event adds nothing.
 */
export function callEventHandlers(): EventHandlers<LiveSessionEvents, ChatEvents> {
  async function post(
    em: EntityManager,
    publish: Publish<ChatEvents>,
    call: { sessionId: string; conversationId: string; callerId: string },
    kind: MessageKind,
    body: string,
    durationSeconds: number | null = null,
  ) {
    const members = await em.find(Membership, { conversationId: call.conversationId }, { fields: ['userId'] });
    if (!members.length) return;
    const message = Object.assign(new Message(), {
      conversationId: call.conversationId,
      senderId: call.callerId,
      body,
      clientMessageId: `call:${call.sessionId}:${kind}`,
      kind,
      liveSessionId: call.sessionId,
      callDurationSeconds: durationSeconds,
    });
    if (!(await storeMessage(em, message, []))) return;
    tellMembers(
      publish,
      { kind: ChatEventKind.MESSAGE_ADDED, conversationId: call.conversationId, messageId: message.id },
      members.map((m) => m.userId),
    );
  }

  return {
    'live-sessions.call.started': (call, { em, publish }) =>
      post(
        em,
        publish,
        call,
        MessageKind.CALL_STARTED,
        call.kind === 'GROUP_CALL' ? 'Group call started' : 'Call started',
      ),
    'live-sessions.call.ended': (call, { em, publish }) => {
      const body =
        call.status === 'ENDED'
          ? `Call ended (${clock(call.durationSeconds ?? 0)})`
          : call.status === 'MISSED'
            ? 'Missed call'
            : 'Call declined';
      return post(em, publish, call, ENDED_KIND[call.status], body, call.durationSeconds);
    },
  };
}
