import { notFound } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Conversation } from './conversation.entity.js';
import type { ChatLoaders } from './loaders.js';
import { Message } from './message.entity.js';

/**
 * What `chatEvent` delivers. The gateway resolves each event by calling `chatEvent(id)` under the
 * subscriber's identity; the lookup checks membership at that moment, so someone removed from a
 * conversation stops receiving its events at once, even on a subscription opened before.
 */
export enum ChatEventKind {
  MESSAGE_ADDED = 'MESSAGE_ADDED',
}
registerEnumType(ChatEventKind, { name: 'ChatEventKind' });

@ObjectType({ description: 'Something that happened in one of your conversations.' })
export class ChatEvent {
  @Field(() => ID)
  id!: string;

  @Field(() => ChatEventKind)
  kind!: ChatEventKind;

  @Field(() => Conversation)
  conversation!: Conversation;

  @Field(() => Message, { nullable: true, description: 'The message it concerns, for message events.' })
  message!: Message | null;
}

/** Live event ids: opaque to clients, `kind:conversationId:messageId` inside. */
export function chatEventId(kind: ChatEventKind, conversationId: string, messageId: string): string {
  return Buffer.from([kind, conversationId, messageId].join(':')).toString('base64url');
}

export async function lookUpChatEvent(id: string, loaders: ChatLoaders): Promise<ChatEvent> {
  const [kind, conversationId, messageId, ...rest] = Buffer.from(id, 'base64url').toString('utf8').split(':');
  const known = Object.values(ChatEventKind).includes(kind as ChatEventKind) && !rest.length;
  if (!known || !conversationId || !isUuid(conversationId) || !messageId || !isUuid(messageId)) throw notFound('Chat event');
  const [membership, conversation, message] = await Promise.all([
    loaders.membership.load(conversationId),
    loaders.conversation.load(conversationId),
    loaders.message.load(messageId),
  ]);
  if (!membership || !conversation || message?.conversationId !== conversation.id) throw notFound('Chat event');
  return { id, kind: kind as ChatEventKind, conversation, message };
}
