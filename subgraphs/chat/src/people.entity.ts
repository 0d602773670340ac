import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** An account chat knows of, from identity's events: conversations are opened only with real users. */
@Entity({ tableName: 'people' })
export class Person {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'timestamptz' })
  joinedAt!: Date;
}

/** A block, copied from social's events: blocked people cannot open or write in a direct conversation. */
@Entity({ tableName: 'blocks' })
export class Block {
  @PrimaryKey({ type: 'uuid' })
  blockerId!: string;

  @PrimaryKey({ type: 'uuid' })
  blockedId!: string;

  /** False once unblocked; the row stays so a late, older block event cannot revive it. */
  @Property()
  active!: boolean;

  @Property({ type: 'uuid' })
  lastEventId!: string;
}
