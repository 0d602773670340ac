import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';

/** A comment on a post, or a reply to another comment (`parentId`). Ids are time-ordered, as posts'. */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'comments' })
export class Comment {
  [OptionalProps]?: 'id' | 'createdAt' | 'editedAt' | 'deletedAt' | 'parentId' | 'likeCount' | 'replyCount';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  postId!: string;

  @Property({ type: 'uuid' })
  authorId!: string;

  @Property({ type: 'uuid', nullable: true })
  parentId: string | null = null;

  @Field()
  @Property({ type: 'text' })
  body!: string;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  editedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;

  @Field(() => Int)
  @Property()
  likeCount: number = 0;

  @Field(() => Int)
  @Property()
  replyCount: number = 0;
}

export const CommentConnection = connectionOf(Comment);
