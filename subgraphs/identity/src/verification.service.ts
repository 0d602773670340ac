import { createHash } from 'node:crypto';
import { raw } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';
import { badInput, rateLimited } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import type { Cache } from '@peerlink/platform/cache/cache';
import { ActivityKind } from './activity.entity.js';
import type { ActivityService } from './activity.service.js';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import { checkPassword, normalizeEmail, normalizePhone } from './rules.js';
import { hashPassword, newCode, newToken, sha256 } from './secrets.js';
import { User } from './user.entity.js';
import { Verification, VerificationPurpose } from './verification.entity.js';
import type { AuthService } from './auth.service.js';

const LIFETIME_SECONDS: Record<VerificationPurpose, number> = {
  [VerificationPurpose.EMAIL_VERIFICATION]: 24 * 3600,
  [VerificationPurpose.PASSWORD_RESET]: 3600,
  [VerificationPurpose.PHONE_VERIFICATION]: 10 * 60,
};
const MAX_CODE_ATTEMPTS = 5;
/** Requests per hour per user and purpose, so nobody can flood an inbox or a phone. */
const REQUESTS_PER_HOUR = 5;

/** Email verification, phone verification and password reset: a secret goes out, comes back once. */
export class VerificationService {
  constructor(
    private readonly outbox: Outbox<IdentityEvents>,
    private readonly cache: Cache,
    private readonly activity: ActivityService,
    private readonly auth: () => AuthService,
  ) {}

  issueEmailVerification(em: EntityManager, publish: Publish<IdentityEvents>, user: User, client: ClientInfo) {
    this.issue(em, publish, user, VerificationPurpose.EMAIL_VERIFICATION, user.email, newToken());
    this.activity.record(em, user, ActivityKind.EMAIL_VERIFICATION_REQUESTED, client);
  }

  async requestEmailVerification(viewer: Viewer, client: ClientInfo): Promise<boolean> {
    await this.limit(viewer.userId, VerificationPurpose.EMAIL_VERIFICATION);
    return this.outbox.transaction(async (em, publish) => {
      const user = await em.findOneOrFail(User, viewer.userId);
      if (user.emailVerified) throw badInput('Your email address is already verified.');
      this.issueEmailVerification(em, publish, user, client);
      return true;
    });
  }

  async verifyEmail(token: string, client: ClientInfo): Promise<User> {
    return this.outbox.transaction(async (em, publish) => {
      const verification = await this.redeem(em, token, VerificationPurpose.EMAIL_VERIFICATION);
      const user = verification.user;
      if (user.email !== verification.target) throw badInput('This link is for an address you no longer use.', 'token');
      user.emailVerified = true;
      this.activity.record(em, user, ActivityKind.EMAIL_VERIFIED, client);
      publishUpdated(publish, user, ['emailVerified']);
      return user;
    });
  }

  async requestPhoneVerification(viewer: Viewer, phoneInput: string, client: ClientInfo): Promise<boolean> {
    const phone = normalizePhone(phoneInput);
    await this.limit(viewer.userId, VerificationPurpose.PHONE_VERIFICATION);
    return this.outbox.transaction(async (em, publish) => {
      const user = await em.findOneOrFail(User, viewer.userId);
      this.issue(em, publish, user, VerificationPurpose.PHONE_VERIFICATION, phone, newCode());
      this.activity.record(em, user, ActivityKind.PHONE_VERIFICATION_REQUESTED, client);
      return true;
    });
  }

  /** Codes are short, so they are looked up by user and every guess uses up one of a few attempts. */
  async verifyPhone(viewer: Viewer, code: string, client: ClientInfo): Promise<User> {
    const result = await this.outbox.transaction(async (em, publish) => {
      const pending = await em.findOne(
        Verification,
        {
          user: viewer.userId,
          purpose: VerificationPurpose.PHONE_VERIFICATION,
          usedAt: null,
          expiresAt: { $gt: new Date() },
        },
        { orderBy: { createdAt: 'desc' }, populate: ['user'] },
      );
      if (!pending) return 'expired' as const;
      // One conditional update takes the attempt, so simultaneous guesses cannot share one.
      const attempt = await em.nativeUpdate(
        Verification,
        { id: pending.id, attempts: { $lt: MAX_CODE_ATTEMPTS } },
        { attempts: raw('attempts + 1') },
      );
      if (!attempt) return 'expired' as const;
      if (pending.secretHash !== sha256(`${viewer.userId}:${code.trim()}`)) return 'wrong' as const;
      pending.usedAt = new Date();
      const user = pending.user;
      user.phone = pending.target;
      user.phoneVerified = true;
      this.activity.record(em, user, ActivityKind.PHONE_VERIFIED, client);
      publishUpdated(publish, user, ['phone', 'phoneVerified']);
      return user;
    });
    if (result === 'expired') throw badInput('There is no pending code; request a new one.', 'code');
    if (result === 'wrong') throw badInput('That code is not right.', 'code');
    return result;
  }

  /** Answers the same whether or not the address has an account, so it reveals nothing. */
  async requestPasswordReset(emailInput: string): Promise<boolean> {
    const email = normalizeEmail(emailInput);
    // Counted by address before anyone is looked up, so a cache outage answers alike for every address.
    const requests = await this.cache.increment(
      `verify:${createHash('sha256').update(email).digest('hex')}:${VerificationPurpose.PASSWORD_RESET}`,
      3600,
    );
    await this.outbox.transaction(async (em, publish) => {
      const user = await em.findOne(User, { email });
      if (!user || requests > REQUESTS_PER_HOUR) return;
      this.issue(em, publish, user, VerificationPurpose.PASSWORD_RESET, email, newToken());
    });
    return true;
  }

  async resetPassword(token: string, newPassword: string, client: ClientInfo): Promise<boolean> {
    const verification = await this.outbox.transaction((em) =>
      this.peek(em, token, VerificationPurpose.PASSWORD_RESET),
    );
    checkPassword(newPassword, { username: verification.user.username, email: verification.user.email }, 'newPassword');
    const passwordHash = await hashPassword(newPassword);
    return this.outbox.transaction(async (em, publish) => {
      const redeemed = await this.redeem(em, token, VerificationPurpose.PASSWORD_RESET);
      const user = redeemed.user;
      user.passwordHash = passwordHash;
      await this.auth().revokeSessions(em, user.id);
      this.activity.record(em, user, ActivityKind.PASSWORD_RESET, client);
      publish('identity.password.changed', { userId: user.id, reason: 'reset' });
      return true;
    });
  }

  private issue(
    em: EntityManager,
    publish: Publish<IdentityEvents>,
    user: User,
    purpose: VerificationPurpose,
    target: string,
    secret: string,
  ) {
    const expiresAt = new Date(Date.now() + LIFETIME_SECONDS[purpose] * 1000);
    // Codes are hashed with the user id: six digits alone would collide between users.
    const secretHash =
      purpose === VerificationPurpose.PHONE_VERIFICATION ? sha256(`${user.id}:${secret}`) : sha256(secret);
    em.create(Verification, { user, purpose, target, secretHash, expiresAt });
    publish('identity.verification.requested', {
      userId: user.id,
      purpose,
      channel: purpose === VerificationPurpose.PHONE_VERIFICATION ? 'sms' : 'email',
      to: target,
      secret,
      expiresAt: expiresAt.toISOString(),
    });
  }

  private async peek(em: EntityManager, token: string, purpose: VerificationPurpose) {
    const verification =
      token.length <= 200
        ? await em.findOne(Verification, { secretHash: sha256(token.trim()), purpose }, { populate: ['user'] })
        : null;
    if (!verification || verification.usedAt || verification.expiresAt < new Date()) {
      throw badInput('This link is invalid, expired or already used.', 'token');
    }
    return verification;
  }

  /** Claimed with one conditional update, so two requests racing with the same token cannot both win. */
  private async redeem(em: EntityManager, token: string, purpose: VerificationPurpose) {
    const verification = await this.peek(em, token, purpose);
    const claimed = await em.nativeUpdate(Verification, { id: verification.id, usedAt: null }, { usedAt: new Date() });
    if (!claimed) throw badInput('This link is invalid, expired or already used.', 'token');
    return verification;
  }

  private async limit(userId: string, purpose: VerificationPurpose) {
    const key = `verify:${userId}:${purpose}`;
    if ((await this.cache.increment(key, 3600)) > REQUESTS_PER_HOUR)
      throw rateLimited((await this.cache.ttl(key)) ?? 3600);
  }
}

export function publishUpdated(publish: Publish<IdentityEvents>, user: User, changed: string[]) {
  publish('identity.user.updated', {
    userId: user.id,
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    emailVerified: user.emailVerified,
    phone: user.phoneVerified ? user.phone : null,
    phoneVerified: user.phoneVerified,
    roles: user.roles,
    changed,
  });
}
