import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A user social knows of, copied from identity's `identity.user.registered` and `.updated` events
 * (social never reads identity's tables): the follow counts kept beside it spare profiles and the
 * fan-out decision from counting rows, and the names let a feed page show its authors without a
 * second subgraph call (`Post.author` provides them).
 */
@Entity({ tableName: 'members' })
export class Member {
  [OptionalProps]?: 'followerCount' | 'followingCount';

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property()
  username!: string;

  @Property()
  displayName!: string;

  @Property()
  followerCount: number = 0;

  @Property()
  followingCount: number = 0;

  @Property({ type: 'timestamptz' })
  joinedAt!: Date;

  /** The identity event these names come from; an older event never overwrites newer names. */
  @Property({ type: 'uuid' })
  lastEventId!: string;
}
