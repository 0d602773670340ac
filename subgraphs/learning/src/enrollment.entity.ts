import { Entity, Enum, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { uuidv7 } from '@peerlink/platform/ids';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum EnrollmentSource {
  FREE = 'FREE',
  PURCHASE = 'PURCHASE',
}
registerEnumType(EnrollmentSource, { name: 'EnrollmentSource' });

export enum EnrollmentStatus {
  ACTIVE = 'ACTIVE',
  /** The purchase was refunded: the course is closed to the student again. */
  ENDED = 'ENDED',
}
registerEnumType(EnrollmentStatus, { name: 'EnrollmentStatus' });

@ObjectType({ description: 'A student’s place in a course.' })
@Entity({ tableName: 'enrollments' })
@Unique({ properties: ['courseId', 'userId'] })
export class Enrollment {
  [OptionalProps]?: 'id' | 'status' | 'orderId' | 'createdAt' | 'endedAt' | 'completedAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Property({ type: 'uuid' })
  courseId!: string;

  @Property({ type: 'uuid' })
  userId!: string;

  @Field(() => EnrollmentSource)
  @Enum({ items: () => EnrollmentSource })
  source!: EnrollmentSource;

  @Field(() => EnrollmentStatus)
  @Enum({ items: () => EnrollmentStatus })
  status: EnrollmentStatus = EnrollmentStatus.ACTIVE;

  /** The marketplace order that paid for it. */
  @Property({ type: 'uuid', nullable: true })
  orderId: string | null = null;

  @Field({ description: 'When the student enrolled.' })
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  endedAt: Date | null = null;

  @Field(() => Date, { nullable: true, description: 'When the student finished every lecture.' })
  @Property({ type: 'timestamptz', nullable: true })
  completedAt: Date | null = null;
}

export const EnrollmentConnection = connectionOf(Enrollment);
