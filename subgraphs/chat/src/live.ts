import { notFound } from '@peerlink/platform/errors';
import type { Publish } from '@peerlink/platform/events/outbox';
import { isUuid } from '@peerlink/platform/ids';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Conversation } from './conversation.entity.js';
import type { Signal } from '@peerlink/platform/events/signals';
import type { ChatEvents, ChatSignals } from '@peerlink/contracts/chat';
import type { ChatLoaders } from './loaders.js';
import { Message } from './message.entity.js';
import { UserReference as User } from '@peerlink/platform/graphql/user-reference';
import { VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';

/**
 * What `chatEvent` delivers. The gateway resolves each event by calling `chatEventById(id)` under
 * the subscriber's identity; the lookup checks membership at that moment, so someone removed from
 * a conversation stops receiving its events at once, even on a subscription opened before.
 */
export enum ChatEventKind {
  MESSAGE_ADDED = 'MESSAGE_ADDED',
  MESSAGE_EDITED = 'MESSAGE_EDITED',
  MESSAGE_DELETED = 'MESSAGE_DELETED',
  /** `user` has received (or read) the conversation up to `message`. */
  RECEIPT = 'RECEIPT',
  /** `user` is typing; not stored, and repeated every few seconds while they type. */
  TYPING = 'TYPING',
  /** Members joined, left or changed role, or the group was renamed. */
  MEMBERS_CHANGED = 'MEMBERS_CHANGED',
}
registerEnumType(ChatEventKind, { name: 'ChatEventKind' });

@Directive(VIEWER_INDEPENDENT)
@ObjectType({ description: 'Something that happened in one of your conversations.' })
export class ChatEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => ChatEventKind)
  kind!: ChatEventKind;

  @Field(() => Conversation, { description: 'The conversation as it is now.' })
  conversation!: Conversation;

  @Field(() => Message, {
    nullable: true,
    description: 'The message it concerns: the new, edited or deleted one, or the one a receipt reaches.',
  })
  message!: Message | null;

  @Field(() => User, { nullable: true, description: 'Who typed, or whose receipt it is.' })
  user!: User | null;
}

interface ChatEventFacts {
  kind: ChatEventKind;
  conversationId: string;
  messageId?: string | null;
  userId?: string | null;
}

/** Live event ids: opaque to clients, `kind:conversationId:messageId:userId` inside (`-` for none). */
export function chatEventId({ kind, conversationId, messageId, userId }: ChatEventFacts): string {
  return Buffer.from([kind, conversationId, messageId ?? '-', userId ?? '-'].join(':')).toString('base64url');
}

/** Tells these members' `chatEvent` subscriptions, after the transaction commits. */
export function tellMembers(publish: Publish<ChatEvents>, facts: ChatEventFacts, recipientIds: string[]) {
  publish('chat.event', { id: chatEventId(facts), conversationId: facts.conversationId, recipientIds });
}

/**
 * Tells these members' `chatEvent` subscriptions now, with no transaction and nothing stored: for
 * what matters only while it happens (typing). The event rides along, so a subscriber asking for
 * no more than its ids and kind needs no lookup.
 */
export function signalMembers(signal: Signal<ChatSignals>, facts: ChatEventFacts, recipientIds: string[]) {
  const id = chatEventId(facts);
  const snapshot = {
    id,
    kind: facts.kind,
    conversation: { id: facts.conversationId },
    message: facts.messageId ? { id: facts.messageId } : null,
    user: facts.userId ? { id: facts.userId } : null,
  };
  return signal('chat.event', { id, conversationId: facts.conversationId, recipientIds, snapshot });
}

export async function lookUpChatEvent(id: string, loaders: ChatLoaders): Promise<ChatEvent> {
  const [kind, conversationId, messageId, userId, ...rest] = Buffer.from(id, 'base64url').toString('utf8').split(':');
  const known = Object.values(ChatEventKind).includes(kind as ChatEventKind) && !rest.length;
  const idOrNone = (value: string | undefined) => value === '-' || (!!value && isUuid(value));
  if (!known || !conversationId || !isUuid(conversationId) || !idOrNone(messageId) || !idOrNone(userId))
    throw notFound('Chat event');
  const { membership, conversation, message } = await loaders.eventFacts(
    conversationId.toLowerCase(),
    messageId !== '-' ? messageId!.toLowerCase() : null,
  );
  if (!membership || !conversation || (message && message.conversationId !== conversation.id))
    throw notFound('Chat event');
  return { id, kind: kind as ChatEventKind, conversation, message, user: userId !== '-' ? { id: userId! } : null };
}
