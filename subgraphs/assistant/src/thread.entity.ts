import { Entity, Enum, Index, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum MessageRole {
  USER = 'USER',
  ASSISTANT = 'ASSISTANT',
  /** What a tool answered, as the model read it. */
  TOOL = 'TOOL',
}
registerEnumType(MessageRole, { name: 'AssistantMessageRole' });

export enum MessageStatus {
  /** Being written: `assistantReply` carries the rest. */
  STREAMING = 'STREAMING',
  COMPLETE = 'COMPLETE',
  /** The reply could not be written (`errorCode` says why); ask again with retryAssistantReply. */
  FAILED = 'FAILED',
}
registerEnumType(MessageStatus, { name: 'AssistantMessageStatus' });

/** A conversation of one user with one bot. Private to its owner. */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'threads' })
@Index({ properties: ['ownerId', 'updatedAt'] })
export class AssistantThread {
  [OptionalProps]?: 'id' | 'createdAt' | 'updatedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'uuid' })
  botId!: string;

  @Field({ description: 'The first question, shortened.' })
  @Property()
  title!: string;

  @Field()
  @Property()
  createdAt: Date = new Date();

  @Field({ description: 'When its last message was written.' })
  @Property()
  updatedAt: Date = new Date();
}

@Directive(VIEWER_INDEPENDENT)
@ObjectType('AssistantToolCall', { description: 'A tool the assistant used for a reply, and with what.' })
export class ToolCall {
  @Field()
  name!: string;

  @Field({ description: 'Its arguments, as JSON text.' })
  arguments!: string;
}

/** A question, a reply, or a tool's answer in a thread. Its id is a UUIDv7: threads read in order. */
@Directive(VIEWER_INDEPENDENT)
@ObjectType()
@Entity({ tableName: 'messages' })
@Index({ properties: ['threadId', 'createdAt', 'id'] })
@Unique({ properties: ['ownerId', 'clientMessageId'] })
export class AssistantMessage {
  [OptionalProps]?:
    | 'id'
    | 'createdAt'
    | 'toolCalls'
    | 'errorCode'
    | 'clientMessageId'
    | 'tokens'
    | 'replyToId'
    | 'deltas'
    | 'startedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  threadId!: string;

  /** The thread's owner, kept here for the per-user limits and idempotency. */
  @Property({ type: 'uuid' })
  ownerId!: string;

  @Field(() => MessageRole)
  @Enum({ items: () => MessageRole })
  role!: MessageRole;

  @Field({ description: 'The text; a streaming reply’s text so far.' })
  @Property({ type: 'text' })
  content!: string;

  @Field(() => MessageStatus)
  @Enum({ items: () => MessageStatus })
  status!: MessageStatus;

  @Field(() => [ToolCall], { description: 'For a reply: the tools it called, in order.' })
  @Property({ type: 'json' })
  toolCalls: ToolCall[] = [];

  @Field(() => String, { nullable: true, description: 'Why a FAILED reply failed: an error code, as in errors.' })
  @Property({ type: 'text', nullable: true })
  errorCode: string | null = null;

  /** The client's key for a question: asking again with it returns the same thread, stored once. */
  @Property({ type: 'text', nullable: true })
  clientMessageId: string | null = null;

  /** For a reply: the question it answers. */
  @Property({ type: 'uuid', nullable: true })
  replyToId: string | null = null;

  /** For a reply: how many deltas its content holds (assistantReply's `index`). */
  @Property()
  deltas: number = 0;

  /** For a reply: when its last try began (a crashed process's tries are failed after the deadline). */
  @Property({ nullable: true })
  startedAt: Date | null = null;

  /** For a reply: tokens the model spent (prompt and completion), for the per-user limit. */
  @Property()
  tokens: number = 0;

  @Field()
  @Property()
  createdAt: Date = new Date();
}

export const AssistantThreadConnection = connectionOf(AssistantThread);
export const AssistantMessageConnection = connectionOf(AssistantMessage);
