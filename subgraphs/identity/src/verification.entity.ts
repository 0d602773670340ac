import { OptionalProps, Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '@peerlink/platform/ids';
import { User } from './user.entity.js';

export enum VerificationPurpose {
  EMAIL_VERIFICATION = 'email_verification',
  PASSWORD_RESET = 'password_reset',
  PHONE_VERIFICATION = 'phone_verification',
}

/** A single-use secret sent to an address: an email link token or a phone code, stored hashed. */
@Entity({ tableName: 'verifications' })
export class Verification {
  [OptionalProps]?: 'id' | 'usedAt' | 'attempts' | 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Enum({ items: () => VerificationPurpose })
  purpose!: VerificationPurpose;

  /** The email address or phone number the secret was sent to. */
  @Property()
  target!: string;

  @Property({ unique: true })
  secretHash!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  usedAt: Date | null = null;

  /** Guesses made, for codes short enough to guess. */
  @Property()
  attempts: number = 0;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();
}
