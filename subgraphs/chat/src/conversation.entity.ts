import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { UserReference as User } from '@peerlink/platform/graphql/user-reference';
import { VIEWER_INDEPENDENT } from '@peerlink/platform/graphql/live';

export enum ConversationKind {
  DIRECT = 'DIRECT',
  GROUP = 'GROUP',
}
registerEnumType(ConversationKind, { name: 'ConversationKind' });

export enum MemberRole {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  MEMBER = 'MEMBER',
}
registerEnumType(MemberRole, { name: 'MemberRole' });

/**
 * A direct conversation between two people (one per pair, found again by `directKey`) or a named
 * group. `lastActivityAt` orders the inbox.
 */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'conversations' })
export class Conversation {
  [OptionalProps]?: 'id' | 'title' | 'directKey' | 'createdAt' | 'lastActivityAt' | 'lastMessageId';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => ConversationKind)
  @Enum({ items: () => ConversationKind })
  kind!: ConversationKind;

  @Directive(VIEWER_INDEPENDENT)
  @Field(() => String, { nullable: true, description: 'Groups only.' })
  @Property({ type: 'text', nullable: true })
  title: string | null = null;

  /** For DIRECT: the two user ids in order, unique, so a pair has one conversation. */
  @Property({ type: 'text', nullable: true })
  directKey: string | null = null;

  @Directive(VIEWER_INDEPENDENT)
  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  lastActivityAt: Date = new Date();

  @Property({ type: 'uuid', nullable: true })
  lastMessageId: string | null = null;
}

export const ConversationConnection = connectionOf(Conversation, 'Conversation', {
  totalCount: 'How many there are in all.',
});

/** Who is in a conversation, and how far they have read. */
@ObjectType('ConversationMember')
@Entity({ tableName: 'members' })
export class Membership {
  [OptionalProps]?:
    | 'joinedAt'
    | 'lastReadMessageId'
    | 'lastReadAt'
    | 'lastDeliveredMessageId'
    | 'lastDeliveredAt'
    | 'notifiedUpToMessageId';

  @PrimaryKey({ type: 'uuid' })
  conversationId!: string;

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Field(() => MemberRole)
  @Enum({ items: () => MemberRole })
  role!: MemberRole;

  @Field()
  @Property({ type: 'timestamptz' })
  joinedAt: Date = new Date();

  /**
   * Receipts are pointers, as in most messengers: "read up to this message", and when the pointer
   * last moved. A message is read by a member once their pointer reaches it.
   */
  @Property({ type: 'uuid', nullable: true })
  lastReadMessageId: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastReadAt: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  lastDeliveredMessageId: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastDeliveredAt: Date | null = null;

  /** The last message they were notified of while away; no more until they catch up to it. */
  @Property({ type: 'uuid', nullable: true })
  notifiedUpToMessageId: string | null = null;

  @Field(() => User, { nullable: true })
  user(): User {
    return { id: this.userId };
  }
}
