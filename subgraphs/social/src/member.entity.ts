import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A user social knows of, copied from identity's `identity.user.registered` (social never reads
 * identity's tables), with the follow counts kept beside it so profiles and the fan-out decision
 * never count rows.
 */
@Entity({ tableName: 'members' })
export class Member {
  [OptionalProps]?: 'followerCount' | 'followingCount';

  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property()
  followerCount: number = 0;

  @Property()
  followingCount: number = 0;

  @Property({ type: 'timestamptz' })
  joinedAt!: Date;
}
