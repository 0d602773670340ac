import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** `followerId` sees `followeeId`'s posts in their feed, FOLLOWERS-only ones included. */
@Entity({ tableName: 'follows' })
export class Follow {
  @PrimaryKey({ type: 'uuid' })
  followerId!: string;

  @PrimaryKey({ type: 'uuid' })
  followeeId!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

/** `blockerId` and `blockedId` no longer see each other's posts and comments or follow each other. */
@Entity({ tableName: 'blocks' })
export class Block {
  @PrimaryKey({ type: 'uuid' })
  blockerId!: string;

  @PrimaryKey({ type: 'uuid' })
  blockedId!: string;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
