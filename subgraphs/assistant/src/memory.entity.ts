import { Entity, Index, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, ObjectType } from 'type-graphql';

/** Something the assistant learned about its user (a preference, a fact) and uses in later answers. */
@ObjectType('AssistantMemory')
@Entity({ tableName: 'memories' })
@Index({ properties: ['userId', 'createdAt'] })
export class Memory {
  [OptionalProps]?: 'id' | 'createdAt' | 'threadId';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  userId!: string;

  @Field()
  @Property({ type: 'text' })
  content!: string;

  /** The thread it was learned in. */
  @Property({ type: 'uuid', nullable: true })
  threadId: string | null = null;

  @Field()
  @Property()
  createdAt: Date = new Date();
}
