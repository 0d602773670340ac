import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { uuidv7 } from '@peerlink/platform/ids';
import { Field, Int, ObjectType } from 'type-graphql';
import { Post } from './post.entity.js';
import { User } from './user.type.js';

/** One user's report of a post, open until a moderator removes the post or dismisses the reports. */
@ObjectType('PostReport')
@Entity({ tableName: 'reports' })
@Unique({ properties: ['postId', 'reporterId'] })
export class Report {
  [OptionalProps]?: 'id' | 'createdAt' | 'resolvedAt' | 'resolution';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  postId!: string;

  @Property({ type: 'uuid' })
  reporterId!: string;

  @Field()
  @Property({ type: 'text' })
  reason!: string;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  resolvedAt: Date | null = null;

  /** REMOVED (the post was taken down) or DISMISSED. */
  @Property({ type: 'text', nullable: true })
  resolution: string | null = null;

  @Field(() => User, { nullable: true })
  reporter(): User {
    return { id: this.reporterId };
  }
}

@ObjectType({ description: 'A post with open reports, for moderators.' })
export class ReportedPost {
  @Field(() => Post)
  post!: Post;

  @Field(() => Int)
  reportCount!: number;

  @Field(() => [Report], { description: 'The open reports, newest first.' })
  reports!: Report[];

  @Field()
  lastReportedAt!: Date;
}

export const ReportedPostConnection = connectionOf(ReportedPost);
