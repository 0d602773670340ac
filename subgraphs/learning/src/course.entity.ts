import { Entity, Enum, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { uuidv7 } from '@peerlink/platform/ids';
import { Directive, Field, ID, ObjectType, registerEnumType } from 'type-graphql';

export enum CourseLevel {
  BEGINNER = 'BEGINNER',
  INTERMEDIATE = 'INTERMEDIATE',
  ADVANCED = 'ADVANCED',
  ALL = 'ALL',
}
registerEnumType(CourseLevel, { name: 'CourseLevel' });

export enum CourseStatus {
  /** Only its instructor (and admins) see it. */
  DRAFT = 'DRAFT',
  PUBLISHED = 'PUBLISHED',
  /** Withdrawn: no new students; enrolled ones keep it. */
  ARCHIVED = 'ARCHIVED',
}
registerEnumType(CourseStatus, { name: 'CourseStatus' });

@Directive('@key(fields: "id")')
@ObjectType({ description: 'A course: sections of lectures, taught by one instructor. Free, or sold as a product.' })
@Entity({ tableName: 'courses' })
export class Course {
  [OptionalProps]?:
    | 'id'
    | 'subtitle'
    | 'description'
    | 'language'
    | 'level'
    | 'category'
    | 'status'
    | 'priceAmount'
    | 'currency'
    | 'productId'
    | 'enrollmentCount'
    | 'createdAt'
    | 'updatedAt'
    | 'publishedAt'
    | 'free';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Field({ description: 'Unique and stable: `course(slug:)` finds it.' })
  @Property({ type: 'text', unique: true })
  slug!: string;

  @Property({ type: 'uuid' })
  instructorId!: string;

  @Field()
  @Property({ type: 'text' })
  title!: string;

  @Field()
  @Property({ type: 'text' })
  subtitle: string = '';

  @Field()
  @Property({ type: 'text' })
  description: string = '';

  @Field({ description: 'A BCP 47 tag such as "en" or "pt-BR".' })
  @Property({ type: 'text' })
  language: string = 'en';

  @Field(() => CourseLevel)
  @Enum({ items: () => CourseLevel })
  level: CourseLevel = CourseLevel.ALL;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  category: string | null = null;

  @Field(() => CourseStatus)
  @Enum({ items: () => CourseStatus })
  status: CourseStatus = CourseStatus.DRAFT;

  /** In minor units; null for a free course. The marketplace product that sells it carries the same price. */
  @Property({ type: 'integer', nullable: true })
  priceAmount: number | null = null;

  @Property({ type: 'text', nullable: true })
  currency: string | null = null;

  /** The marketplace product that sells it, chosen here so the listing is known before marketplace has it. */
  @Property({ type: 'uuid', nullable: true })
  productId: string | null = null;

  @Property({ type: 'integer' })
  enrollmentCount: number = 0;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz' })
  updatedAt: Date = new Date();

  @Field(() => Date, { nullable: true })
  @Property({ type: 'timestamptz', nullable: true })
  publishedAt: Date | null = null;

  get free(): boolean {
    return this.priceAmount === null;
  }
}

export const CourseConnection = connectionOf(Course);
