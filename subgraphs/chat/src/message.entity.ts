import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';

export enum MessageKind {
  /** Written by its sender. */
  TEXT = 'TEXT',
  /** Calls, written by chat for the caller from live-sessions' events. */
  CALL_STARTED = 'CALL_STARTED',
  CALL_MISSED = 'CALL_MISSED',
  CALL_DECLINED = 'CALL_DECLINED',
  CALL_ENDED = 'CALL_ENDED',
  /** The assistant's answer to a member who mentioned it (`@assistant`); its sender is the assistant's account. */
  ASSISTANT = 'ASSISTANT',
}
registerEnumType(MessageKind, { name: 'MessageKind' });

/**
 * One message. Its id is a UUIDv7 whose time is `createdAt`, so a conversation reads newest first
 * by id. `clientMessageId` makes a retried send return the message already stored.
 */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'messages' })
@Unique({ properties: ['conversationId', 'senderId', 'clientMessageId'] })
export class Message {
  [OptionalProps]?:
    | 'id'
    | 'createdAt'
    | 'editedAt'
    | 'deletedAt'
    | 'clientMessageId'
    | 'kind'
    | 'liveSessionId'
    | 'callDurationSeconds';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  conversationId!: string;

  @Property({ type: 'uuid' })
  senderId!: string;

  @Property({ type: 'text' })
  body!: string;

  @Property({ type: 'text', nullable: true })
  clientMessageId: string | null = null;

  @Directive(VIEWER_INDEPENDENT)
  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  editedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => MessageKind, { description: 'TEXT, or a call the conversation had (sent as by its caller).' })
  @Property({ type: 'text' })
  kind: MessageKind = MessageKind.TEXT;

  /** The call a CALL_ message tells of. */
  @Property({ type: 'uuid', nullable: true })
  liveSessionId: string | null = null;

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => Int, { nullable: true, description: 'CALL_ENDED: how long the call lasted.' })
  @Property({ type: 'integer', nullable: true })
  callDurationSeconds: number | null = null;
}

export const MessageConnection = connectionOf(Message);
