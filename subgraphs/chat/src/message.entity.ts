import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';

/**
 * One message. Its id is a UUIDv7 whose time is `createdAt`, so a conversation reads newest first
 * by id. `clientMessageId` makes a retried send return the message already stored.
 */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'messages' })
@Unique({ properties: ['conversationId', 'senderId', 'clientMessageId'] })
export class Message {
  [OptionalProps]?: 'id' | 'createdAt' | 'editedAt' | 'deletedAt' | 'clientMessageId';

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
}

export const MessageConnection = connectionOf(Message);
