import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { timeOfUuidv7, uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, Int, ObjectType } from 'type-graphql';

/** Money given back from a payment. A payment may have several, up to what it took. */
@ObjectType()
@Entity({ tableName: 'refunds' })
@Unique({ properties: ['paymentId', 'idempotencyKey'] })
export class Refund {
  [OptionalProps]?: 'id' | 'createdAt' | 'providerRefundId' | 'idempotencyKey' | 'requestFingerprint';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  paymentId!: string;

  @Field(() => Int, { description: 'In minor units.', deprecationReason: 'Use total.' })
  @Property({ type: 'integer' })
  amount!: number;

  @Field()
  @Property({ type: 'text' })
  reason!: string;

  /** The seller or admin who asked; null when the platform did (a paid order was cancelled). */
  @Property({ type: 'uuid', nullable: true })
  requestedBy!: string | null;

  /** The asker's key: the same key refunds once. */
  @Property({ type: 'text', nullable: true })
  idempotencyKey: string | null = null;

  /**
   * What the key's first request asked for (`requestFingerprint`): the same key with other parameters is a CONFLICT.
   */
  @Property({ type: 'text', nullable: true })
  requestFingerprint: string | null = null;

  @Property({ type: 'text', nullable: true })
  providerRefundId: string | null = null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = timeOfUuidv7(this.id);
}
