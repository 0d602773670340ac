import { OptionalProps, Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { uuidv7 } from '@peerlink/platform/ids';
import { User } from './user.entity.js';

/**
 * One sign-in on one device. Its refresh tokens form a family: each refresh replaces the token, and
 * presenting a replaced token again (a sign of theft) revokes the whole session.
 */
@Entity({ tableName: 'sessions' })
export class Session {
  [OptionalProps]?: 'id' | 'userAgent' | 'ip' | 'createdAt' | 'revokedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Property({ type: 'text', nullable: true })
  userAgent: string | null = null;

  @Property({ type: 'text', nullable: true })
  ip: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}

@Entity({ tableName: 'refresh_tokens' })
export class RefreshToken {
  [OptionalProps]?: 'id' | 'replacedAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => Session, { deleteRule: 'cascade' })
  session!: Session;

  /** SHA-256 of the token; the token itself is only ever in the client's hands. */
  @Property({ unique: true })
  tokenHash!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'timestamptz', nullable: true })
  replacedAt: Date | null = null;
}

/** Devices (by user agent) a user has signed in from, to tell them about sign-ins from new ones. */
@Entity({ tableName: 'known_devices' })
export class KnownDevice {
  [OptionalProps]?: 'id' | 'firstSeenAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne(() => User, { deleteRule: 'cascade' })
  user!: User;

  @Property()
  fingerprint!: string;

  @Property({ type: 'timestamptz' })
  firstSeenAt: Date = new Date();
}
