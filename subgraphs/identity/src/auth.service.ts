import type { KeyObject } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { issueAccessToken, type IssuedToken } from '@peerlink/platform/auth/access-token';
import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';
import type { Cache } from '@peerlink/platform/cache/cache';
import type { IdentityConfig } from './config.js';
import { badInput, conflict, rateLimited, unauthenticated } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { ActivityKind } from './activity.entity.js';
import type { ActivityService } from './activity.service.js';
import { ASSISTANT_USER_ID } from '@peerlink/contracts/assistant';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import {
  checkPassword,
  hasControlCharacters,
  normalizeDisplayName,
  normalizeEmail,
  normalizeUsername,
  PASSWORD_MAX,
} from './rules.js';
import { decoyHash, hashPassword, newToken, sha256, verifyPassword } from './secrets.js';
import { KnownDevice, RefreshToken, Session } from './session.entity.js';
import { User } from './user.entity.js';
import type { RoleRecords } from './role-records.js';
import type { VerificationService } from './verification.service.js';

export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  expiresAt: Date;
  user: User;
}

/** Sign-in attempts allowed per window: failed ones per account (a success clears them), all of them per address. */
const THROTTLE = { window: 15 * 60, perAccount: 5, perAddress: 100 };

export class AuthService {
  constructor(
    private readonly outbox: Outbox<IdentityEvents>,
    private readonly cache: Cache,
    private readonly settings: IdentityConfig,
    private readonly signingKey: KeyObject,
    private readonly activity: ActivityService,
    private readonly verifications: VerificationService,
    private readonly roleRecords: RoleRecords,
  ) {}

  async register(
    input: { email: string; username: string; password: string; displayName: string },
    client: ClientInfo,
  ) {
    const email = normalizeEmail(input.email);
    const username = normalizeUsername(input.username);
    const displayName = normalizeDisplayName(input.displayName);
    checkPassword(input.password, { username, email });
    const passwordHash = await hashPassword(input.password);

    return this.withRolesRecorded(
      this.outbox.transaction(async (em, publish) => {
        if (await em.count(User, { email })) throw conflict('An account with that email already exists.', 'email');
        if (await em.count(User, { username })) throw conflict('That username is taken.', 'username');
        const user = em.create(User, { email, username, displayName, passwordHash });
        publish('identity.user.registered', { userId: user.id, username, displayName, email });
        this.activity.record(em, user, ActivityKind.SIGNED_UP, client);
        this.verifications.issueEmailVerification(em, publish, user, client);
        return this.startSession(em, publish, user, client, { firstDevice: true });
      }),
    );
  }

  async login(input: { login: string; password: string }, client: ClientInfo) {
    const login = input.login.trim().toLowerCase();
    if (!login || !input.password) throw badInput('Enter your email or username and your password.', 'login');
    if (login.length > 254 || hasControlCharacters(login))
      throw badInput('That is not an email address or username.', 'login');
    if (input.password.length > PASSWORD_MAX) throw unauthenticated('Wrong email, username or password.');
    // Every attempt from an address counts, so a burst cannot outrun the check.
    await this.takeAttempt(`sign-in:ip:${client.ip ?? 'unknown'}`, THROTTLE.perAddress);

    return this.outbox
      .transaction(async (em, publish) => {
        const user = await em.findOne(User, login.includes('@') ? { email: login } : { username: login });
        // Hashed: an unknown login is the client's text, and keys must stay small.
        const accountKey = `login-fail:account:${user?.id ?? sha256(login)}`;
        await this.takeAttempt(accountKey, THROTTLE.perAccount);
        const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash()), input.password);
        if (!user || !valid) {
          if (user) this.activity.record(em, user, ActivityKind.SIGN_IN_FAILED, client);
          // The failed attempt is recorded; the error is raised after the transaction commits it.
          return null;
        }
        await this.cache.delete(accountKey);
        return this.startSession(em, publish, user, client, { firstDevice: false });
      })
      .then((result) =>
        result
          ? this.withRolesRecorded(Promise.resolve(result))
          : Promise.reject(unauthenticated('Wrong email, username or password.')),
      );
  }

  async refresh(refreshToken: string, client: ClientInfo): Promise<AuthResult> {
    const result = await this.outbox.transaction(async (em, publish) => {
      const token = await em.findOne(
        RefreshToken,
        { tokenHash: sha256(refreshToken) },
        { populate: ['session', 'session.user'] },
      );
      if (!token || token.session.revokedAt || token.expiresAt < new Date()) return 'invalid' as const;
      // Claimed with one conditional update, so of two refreshes racing with a token only one wins.
      const claimed =
        !token.replacedAt &&
        (await em.nativeUpdate(RefreshToken, { id: token.id, replacedAt: null }, { replacedAt: new Date() }));
      if (!claimed) {
        // A replaced token came back: someone holds a stolen copy. End the whole session.
        token.session.revokedAt = new Date();
        this.activity.record(em, token.session.user, ActivityKind.SESSION_REVOKED, client, 'refresh token reused');
        return 'reused' as const;
      }
      const { session } = token;
      // The only sign of a user who stays signed in and only reads (analytics counts them active by it).
      if (session.user.id !== ASSISTANT_USER_ID)
        publish('identity.session.refreshed', { userId: session.user.id, sessionId: session.id });
      return this.issueTokens(em, session);
    });
    if (result === 'invalid') throw unauthenticated('The refresh token is invalid or expired.');
    if (result === 'reused') throw unauthenticated('The refresh token was already used; the session has been ended.');
    return this.withRolesRecorded(Promise.resolve(result));
  }

  /** Every sign-in (re)writes the user's role ledger entry, so it exists and says what the account holds. */
  private async withRolesRecorded(signedIn: Promise<AuthResult>): Promise<AuthResult> {
    const result = await signedIn;
    await this.roleRecords.refreshQuietly(result.user.id);
    return result;
  }

  async logout(viewer: Viewer, refreshToken: string | null | undefined, client: ClientInfo): Promise<boolean> {
    return this.outbox.transaction(async (em) => {
      const session = refreshToken
        ? (await em.findOne(RefreshToken, { tokenHash: sha256(refreshToken) }, { populate: ['session'] }))?.session
        : await em.findOne(Session, { id: viewer.sessionId });
      if (!session || session.user.id !== viewer.userId) return false;
      session.revokedAt ??= new Date();
      this.activity.record(em, session.user, ActivityKind.SIGNED_OUT, client);
      return true;
    });
  }

  async logoutEverywhere(viewer: Viewer, client: ClientInfo): Promise<boolean> {
    return this.outbox.transaction(async (em) => {
      const user = await em.findOneOrFail(User, viewer.userId);
      await this.revokeSessions(em, user.id);
      this.activity.record(em, user, ActivityKind.SIGNED_OUT_EVERYWHERE, client);
      return true;
    });
  }

  /**
   * A new access token for the caller's own session, carrying their roles as they are now; null
   * once the session has ended (a signed-out session's old token must not buy a new one).
   */
  async accessTokenFor(viewer: Viewer): Promise<IssuedToken | null> {
    const session = await this.outbox.orm.em
      .fork()
      .findOne(Session, { id: viewer.sessionId, user: viewer.userId, revokedAt: null }, { populate: ['user'] });
    if (!session) return null;
    const user = session.user;
    return issueAccessToken(
      this.signingKey,
      { userId: user.id, sessionId: session.id, roles: user.roles },
      this.settings.ACCESS_TOKEN_TTL_SECONDS,
    );
  }

  /** Ends every session of a user except, optionally, one. */
  async revokeSessions(em: EntityManager, userId: string, exceptSessionId?: string) {
    await em.nativeUpdate(
      Session,
      { user: userId, revokedAt: null, ...(exceptSessionId ? { id: { $ne: exceptSessionId } } : {}) },
      { revokedAt: new Date() },
    );
  }

  private async startSession(
    em: EntityManager,
    publish: Publish<IdentityEvents>,
    user: User,
    client: ClientInfo,
    options: { firstDevice: boolean },
  ) {
    const session = em.create(Session, { user, userAgent: client.userAgent ?? null, ip: client.ip ?? null });
    const fingerprint = sha256(client.userAgent ?? 'unknown');
    const known = options.firstDevice ? null : await em.findOne(KnownDevice, { user, fingerprint });
    if (!known) em.create(KnownDevice, { user, fingerprint });
    this.activity.record(em, user, ActivityKind.SIGNED_IN, client);
    publish('identity.user.signed_in', {
      userId: user.id,
      sessionId: session.id,
      newDevice: !options.firstDevice && !known,
      ip: client.ip ?? null,
      userAgent: client.userAgent ?? null,
    });
    return this.issueTokens(em, session);
  }

  private async issueTokens(em: EntityManager, session: Session): Promise<AuthResult> {
    const refreshToken = newToken();
    em.create(RefreshToken, {
      session,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + this.settings.REFRESH_TOKEN_TTL_SECONDS * 1000),
    });
    const user = session.user;
    const access = await issueAccessToken(
      this.signingKey,
      { userId: user.id, sessionId: session.id, roles: user.roles },
      this.settings.ACCESS_TOKEN_TTL_SECONDS,
    );
    return { accessToken: access.token, refreshToken, expiresAt: access.expiresAt, user };
  }

  /**
   * Counts the attempt before the password is checked, so simultaneous guesses cannot all pass a
   * stale count; a successful sign-in clears it.
   */
  async takeAttempt(key: string, limit: number) {
    if ((await this.cache.increment(key, THROTTLE.window)) > limit)
      throw rateLimited((await this.cache.ttl(key)) ?? THROTTLE.window);
  }
}
