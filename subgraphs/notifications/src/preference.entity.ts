import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, InputType, ObjectType } from 'type-graphql';
import { NotificationKind } from './notification.entity.js';

/** How a user wants one kind of notification delivered. Absent rows mean the kind's defaults. */
@ObjectType()
@Entity({ tableName: 'preferences' })
export class NotificationPreference {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @Field(() => NotificationKind)
  @PrimaryKey()
  @Enum({ items: () => NotificationKind })
  kind!: NotificationKind;

  @Field({ description: 'Shown in the app and pushed to live subscribers.' })
  @Property()
  inApp!: boolean;

  @Field()
  @Property()
  email!: boolean;

  @Field()
  @Property()
  sms!: boolean;
}

@InputType()
export class NotificationPreferenceInput {
  @Field(() => NotificationKind)
  kind!: NotificationKind;

  @Field({ nullable: true })
  inApp?: boolean;

  @Field({ nullable: true })
  email?: boolean;

  @Field({ nullable: true })
  sms?: boolean;
}

export const DEFAULT_CHANNELS: Record<NotificationKind, { inApp: boolean; email: boolean; sms: boolean }> = {
  [NotificationKind.WELCOME]: { inApp: true, email: false, sms: false },
  [NotificationKind.SECURITY]: { inApp: true, email: true, sms: false },
  [NotificationKind.SYSTEM]: { inApp: true, email: false, sms: false },
  [NotificationKind.LIKE]: { inApp: true, email: false, sms: false },
  [NotificationKind.COMMENT]: { inApp: true, email: false, sms: false },
  [NotificationKind.FOLLOW]: { inApp: true, email: false, sms: false },
  [NotificationKind.SHARE]: { inApp: true, email: false, sms: false },
  [NotificationKind.MESSAGE]: { inApp: true, email: false, sms: false },
  [NotificationKind.FILE]: { inApp: true, email: false, sms: false },
  // Receipts and shipping news are worth an email by default.
  [NotificationKind.ORDER]: { inApp: true, email: true, sms: false },
  // Money is at stake (the plan lapses if nothing changes): by email too.
  [NotificationKind.BILLING]: { inApp: true, email: true, sms: false },
  // Money again: a return's answer is worth an email by default, as an order's news is.
  [NotificationKind.RETURN]: { inApp: true, email: true, sms: false },
  // A followed instructor's new course is news worth an email, as the course brief asks; off with a preference.
  [NotificationKind.COURSE]: { inApp: true, email: true, sms: false },
  // A ring is over in seconds: an email would arrive too late to answer it.
  [NotificationKind.CALL]: { inApp: true, email: false, sms: false },
  // A stream is worth joining while it runs: in-app, as it happens.
  [NotificationKind.LIVE]: { inApp: true, email: false, sms: false },
};
