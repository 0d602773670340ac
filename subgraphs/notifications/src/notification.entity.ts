import { OptionalProps, Entity, Enum, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { uuidv7 } from '@peerlink/platform/ids';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Conversation, Order, Post, ReturnRequest, User } from './references.js';

export enum NotificationKind {
  WELCOME = 'WELCOME',
  SECURITY = 'SECURITY',
  SYSTEM = 'SYSTEM',
  LIKE = 'LIKE',
  /** Comments on your posts and replies to your comments. */
  COMMENT = 'COMMENT',
  FOLLOW = 'FOLLOW',
  SHARE = 'SHARE',
  /** Chat messages that arrived while you were away. */
  MESSAGE = 'MESSAGE',
  /** Files shared with you. */
  FILE = 'FILE',
  /** Orders you bought or sold: payment, shipping, cancellation, refunds. */
  ORDER = 'ORDER',
  /** Your plan subscriptions: a renewal that could not be paid. */
  BILLING = 'BILLING',
  /** Return requests: made to you, answered, escalated (admins hear of every escalation), decided. */
  RETURN = 'RETURN',
  /** Courses: enrolling and completing one, new courses by instructors you follow, your lecture videos' failures. */
  COURSE = 'COURSE',
  /** Calls: one ringing you, and one you missed. */
  CALL = 'CALL',
  /** Live streams started by people you follow. */
  LIVE = 'LIVE',
}
registerEnumType(NotificationKind, { name: 'NotificationKind' });

@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'notifications' })
@Index({ properties: ['recipientId', 'createdAt', 'id'] })
@Unique({ properties: ['recipientId', 'sourceEventId'] })
export class Notification {
  [OptionalProps]?:
    | 'id'
    | 'actorId'
    | 'postId'
    | 'conversationId'
    | 'orderId'
    | 'returnRequestId'
    | 'read'
    | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  recipientId!: string;

  @Field(() => NotificationKind)
  @Enum({ items: () => NotificationKind })
  kind!: NotificationKind;

  @Field()
  @Property()
  title!: string;

  @Field()
  @Property({ type: 'text' })
  body!: string;

  /** Who caused it, resolved by the identity subgraph. */
  @Property({ type: 'uuid', nullable: true })
  actorId: string | null = null;

  /** The post it is about, resolved by the social subgraph. */
  @Property({ type: 'uuid', nullable: true })
  postId: string | null = null;

  /** The conversation it is about, resolved by the chat subgraph. */
  @Property({ type: 'uuid', nullable: true })
  conversationId: string | null = null;

  /** The order it is about, resolved by the marketplace subgraph. */
  @Property({ type: 'uuid', nullable: true })
  orderId: string | null = null;

  /** The return request it is about, resolved by the marketplace subgraph. */
  @Property({ type: 'uuid', nullable: true })
  returnRequestId: string | null = null;

  @Field()
  @Property()
  read: boolean = false;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  /** The event that caused it: the same event twice makes one notification. */
  @Property({ type: 'uuid' })
  sourceEventId!: string;

  @Field(() => User, { nullable: true })
  actor(): User | null {
    return this.actorId ? { id: this.actorId } : null;
  }

  @Field(() => Post, { nullable: true, description: 'The post it is about, while you may see it.' })
  post(): Post | null {
    return this.postId ? { id: this.postId } : null;
  }

  @Field(() => Conversation, { nullable: true, description: 'The conversation it is about, while you are in it.' })
  conversation(): Conversation | null {
    return this.conversationId ? { id: this.conversationId } : null;
  }

  @Field(() => Order, { nullable: true, description: 'The order it is about, for its buyer and seller.' })
  order(): Order | null {
    return this.orderId ? { id: this.orderId } : null;
  }

  @Field(() => ReturnRequest, {
    nullable: true,
    description: 'The return request it is about, for its buyer, its seller and admins.',
  })
  returnRequest(): ReturnRequest | null {
    return this.returnRequestId ? { id: this.returnRequestId } : null;
  }
}

export const NotificationConnection = connectionOf(Notification, 'Notification', {
  totalCount: 'How many there are in all (unread ones only with `unreadOnly`).',
});
