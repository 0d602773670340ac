import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum Visibility {
  PUBLIC = 'PUBLIC',
  FOLLOWERS = 'FOLLOWERS',
}
registerEnumType(Visibility, {
  name: 'Visibility',
  valuesConfig: {
    PUBLIC: { description: 'Anyone, signed in or not, except people the author blocked.' },
    FOLLOWERS: { description: 'The author and their followers only.' },
  },
});

/**
 * A post, or a share of another post (`sharedPostId`). Its id is a UUIDv7 whose time is
 * `createdAt`, so "newest first" is simply "greatest id first" in Postgres and in the cached
 * timelines alike. Removed posts keep their row (`deletedAt`) for moderation.
 */
@Directive('@key(fields: "id")')
@ObjectType()
@Entity({ tableName: 'posts' })
export class Post {
  [OptionalProps]?:
    | 'id'
    | 'createdAt'
    | 'editedAt'
    | 'deletedAt'
    | 'deletedBy'
    | 'sharedPostId'
    | 'likeCount'
    | 'commentCount'
    | 'shareCount';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  authorId!: string;

  @Field()
  @Property({ type: 'text' })
  body!: string;

  @Field(() => Visibility)
  @Enum({ items: () => Visibility })
  visibility!: Visibility;

  @Property({ type: 'uuid', nullable: true })
  sharedPostId: string | null = null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  editedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;

  /** The author, or the moderator who removed it. */
  @Property({ type: 'uuid', nullable: true })
  deletedBy: string | null = null;

  @Field(() => Int)
  @Property()
  likeCount: number = 0;

  @Field(() => Int, { description: 'Comments and replies.' })
  @Property()
  commentCount: number = 0;

  @Field(() => Int)
  @Property()
  shareCount: number = 0;
}

export const PostConnection = connectionOf(Post);
