import { OptionalProps, Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '@peerlink/platform/ids';
import { connectionOf } from '@peerlink/platform/graphql/pagination';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { User } from './user.entity.js';

export enum ActivityKind {
  SIGNED_UP = 'SIGNED_UP',
  SIGNED_IN = 'SIGNED_IN',
  SIGN_IN_FAILED = 'SIGN_IN_FAILED',
  SIGNED_OUT = 'SIGNED_OUT',
  SIGNED_OUT_EVERYWHERE = 'SIGNED_OUT_EVERYWHERE',
  SESSION_REVOKED = 'SESSION_REVOKED',
  PASSWORD_CHANGED = 'PASSWORD_CHANGED',
  PASSWORD_RESET = 'PASSWORD_RESET',
  EMAIL_VERIFICATION_REQUESTED = 'EMAIL_VERIFICATION_REQUESTED',
  EMAIL_VERIFIED = 'EMAIL_VERIFIED',
  PHONE_VERIFICATION_REQUESTED = 'PHONE_VERIFICATION_REQUESTED',
  PHONE_VERIFIED = 'PHONE_VERIFIED',
  PROFILE_UPDATED = 'PROFILE_UPDATED',
  ROLE_GRANTED = 'ROLE_GRANTED',
  ROLE_REVOKED = 'ROLE_REVOKED',
  ASSISTANT_ASKED = 'ASSISTANT_ASKED',
}
registerEnumType(ActivityKind, {
  name: 'ActivityKind',
  valuesConfig: {
    ASSISTANT_ASKED: {
      description: 'A question to an assistant bot. The detail names the bot and the thread, never the question.',
    },
  },
});

/** The activity log of an account: what happened, from where (the security events), and questions to bots. */
@ObjectType()
@Entity({ tableName: 'activities' })
@Index({ properties: ['user', 'createdAt', 'id'] })
export class Activity {
  [OptionalProps]?: 'id' | 'ip' | 'userAgent' | 'detail' | 'createdAt';

  @Field(() => ID)
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Field(() => ActivityKind)
  @Enum({ items: () => ActivityKind })
  kind!: ActivityKind;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  ip: string | null = null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  userAgent: string | null = null;

  @Field(() => String, { nullable: true, description: 'Extra facts, e.g. the role granted.' })
  @Property({ type: 'text', nullable: true })
  detail: string | null = null;

  @Field()
  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}

export const ActivityConnection = connectionOf(Activity);
