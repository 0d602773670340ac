import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

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
