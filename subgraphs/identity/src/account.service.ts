import { LockMode } from '@mikro-orm/core';
import type { IssuedToken } from '@peerlink/platform/auth/access-token';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { ClientInfo, RoleName, Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, conflict, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { isUuid } from '@peerlink/platform/ids';
import { ActivityKind } from './activity.entity.js';
import type { ActivityService } from './activity.service.js';
import type { AuthService } from './auth.service.js';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { RoleRecords } from './role-records.js';
import { checkPassword, normalizeAvatarUrl, normalizeBio, normalizeDisplayName, normalizeUsername } from './rules.js';
import { hashPassword, verifyPassword } from './secrets.js';
import { Role, User } from './user.entity.js';
import { publishUpdated } from './verification.service.js';

export interface ProfileChanges {
  displayName?: string | null;
  username?: string | null;
  bio?: string | null;
  avatarUrl?: string | null;
}

/** Roles anyone may take on for themselves. */
const SELF_SERVICE_ROLES = new Set([Role.SELLER, Role.INSTRUCTOR]);

export class AccountService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<IdentityEvents>,
    private readonly activity: ActivityService,
    private readonly auth: AuthService,
    private readonly roleRecords: RoleRecords,
  ) {}

  async byIds(ids: readonly string[]): Promise<(User | null)[]> {
    const users = await this.orm.em.find(User, { id: { $in: [...ids] } });
    const byId = new Map(users.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /**
   * Admins only: announces every account again as `identity.user.updated`, in batches, so a
   * subgraph added later (or a read model rebuilt) learns of accounts older than the event stream
   * keeps. Consumers treat it like any update. Returns how many accounts were announced.
   */
  async resync(viewer: Viewer): Promise<number> {
    requireRole(viewer, 'ADMIN', 'Only admins can resync accounts.');
    let announced = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await this.orm.em.fork().find(User, { id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: 500 });
      if (!batch.length) return announced;
      await this.outbox.transaction(async (_em, publish) => {
        for (const user of batch) publishUpdated(publish, user, []);
      });
      // Also repairs the role ledger after roles were edited in the database by hand.
      await this.roleRecords.refresh(batch.map((user) => user.id));
      announced += batch.length;
      after = batch.at(-1)!.id;
    }
  }

  async byUsername(username: string): Promise<User | null> {
    const key = username.trim().toLowerCase();
    // Anything that cannot be a username names nobody (and never reaches the database).
    return /^[a-z0-9_]{1,30}$/.test(key) ? this.orm.em.findOne(User, { username: key }) : null;
  }

  async updateProfile(viewer: Viewer, changes: ProfileChanges, client: ClientInfo): Promise<User> {
    const next: Partial<User> = {};
    if (changes.displayName != null) next.displayName = normalizeDisplayName(changes.displayName);
    if (changes.username != null) next.username = normalizeUsername(changes.username);
    if (changes.bio !== undefined) next.bio = normalizeBio(changes.bio);
    if (changes.avatarUrl !== undefined) next.avatarUrl = normalizeAvatarUrl(changes.avatarUrl);
    if (Object.keys(next).length === 0) throw badInput('Nothing to update.');

    return this.outbox.transaction(async (em, publish) => {
      const user = await em.findOneOrFail(User, viewer.userId);
      if (next.username && next.username !== user.username && (await em.count(User, { username: next.username }))) {
        throw conflict('That username is taken.', 'username');
      }
      em.assign(user, next);
      this.activity.record(em, user, ActivityKind.PROFILE_UPDATED, client, Object.keys(next).join(','));
      publishUpdated(publish, user, Object.keys(next));
      return user;
    });
  }

  /** Ends every other session: whoever else had the old password is signed out. */
  async changePassword(
    viewer: Viewer,
    currentPassword: string,
    newPassword: string,
    client: ClientInfo,
  ): Promise<boolean> {
    const user = await this.orm.em.findOneOrFail(User, viewer.userId);
    // Someone holding a stolen access token must not get unlimited guesses at the password.
    await this.auth.takeAttempt(`change-password:${user.id}`, 10);
    if (!(await verifyPassword(user.passwordHash, currentPassword)))
      throw badInput('Your current password is not right.', 'currentPassword');
    checkPassword(newPassword, { username: user.username, email: user.email }, 'newPassword');
    if (currentPassword === newPassword)
      throw badInput('The new password must differ from the current one.', 'newPassword');
    const passwordHash = await hashPassword(newPassword);
    return this.outbox.transaction(async (em, publish) => {
      const fresh = await em.findOneOrFail(User, viewer.userId);
      fresh.passwordHash = passwordHash;
      await this.auth.revokeSessions(em, fresh.id, viewer.sessionId);
      this.activity.record(em, fresh, ActivityKind.PASSWORD_CHANGED, client);
      publish('identity.password.changed', { userId: fresh.id, reason: 'changed' });
      return true;
    });
  }

  /**
   * Gives the caller a self-service role. When this call is what gave it, `refreshedAccess` is an
   * access token for their session that carries it, so they carry on without refreshSession. Only
   * then: a token that could be asked for again and again would keep a stolen one alive forever.
   */
  async takeRole(
    viewer: Viewer,
    role: Role,
    client: ClientInfo,
  ): Promise<{ user: User; refreshedAccess: IssuedToken | null }> {
    if (!SELF_SERVICE_ROLES.has(role)) throw forbidden();
    const { user, changed } = await this.setRole(viewer.userId, role, true, client, 'self');
    return { user, refreshedAccess: changed ? await this.auth.accessTokenFor(viewer) : null };
  }

  async grantRole(viewer: Viewer, userId: string, role: Role, granted: boolean, client: ClientInfo): Promise<User> {
    requireRole(viewer, 'ADMIN', 'Only admins can grant or revoke roles.');
    if (role === Role.USER) throw badInput('Every account has the USER role.', 'role');
    if (!granted && role === Role.ADMIN && userId === viewer.userId)
      throw badInput('Admins cannot revoke their own admin role.', 'role');
    return (await this.setRole(userId, role, granted, client, viewer.userId)).user;
  }

  /** Makes a user an admin without a signed-in admin: for `npm run seed` and the bootstrap command. */
  bootstrapAdmin(username: string): Promise<User> {
    return this.bootstrapRole(username, Role.ADMIN);
  }

  /** Gives a user a role without a signed-in admin, by the same path as grantRole (role ledger included). */
  async bootstrapRole(username: string, role: Role): Promise<User> {
    const user = await this.byUsername(username);
    if (!user) throw notFound('User');
    return (await this.setRole(user.id, role, true, {}, 'bootstrap')).user;
  }

  /**
   * The role ledger (role-records.ts) learns a removal before it commits, so no request is served on
   * the old grant meanwhile (a cache that cannot take it fails the change: SERVICE_UNAVAILABLE), and
   * a grant after it commits, so nothing is honoured that might yet roll back.
   */
  private async setRole(userId: string, role: Role, granted: boolean, client: ClientInfo, by: string) {
    let recordedRemoval = false;
    const result = await this.outbox
      .transaction(async (em, publish) => {
        // Ids are opaque to clients: one that is not a UUID names no user (and would be a SQL error).
        // Locked: role changes and ledger writes for one user happen one at a time.
        const user = isUuid(userId)
          ? await em.findOne(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE })
          : null;
        if (!user) throw notFound('User');
        const has = user.roles.includes(role);
        if (granted !== has) {
          user.roles = granted ? [...user.roles, role] : user.roles.filter((r) => r !== role);
          this.activity.record(
            em,
            user,
            granted ? ActivityKind.ROLE_GRANTED : ActivityKind.ROLE_REVOKED,
            client,
            `${role} by ${by}`,
          );
          // Losing a role ends the user's sessions, so no refreshed token carries it again.
          if (!granted) await this.auth.revokeSessions(em, user.id);
          publishUpdated(publish, user, ['roles']);
          if (!granted) {
            await this.roleRecords.record(user);
            recordedRemoval = true;
          }
        }
        return { user, changed: granted !== has };
      })
      .catch(async (error) => {
        // The removal did not commit: the ledger has fewer roles than the account; put it right.
        if (recordedRemoval) await this.roleRecords.refreshQuietly(userId);
        throw error;
      });
    if (result.changed) {
      // After commit. Should the cache be away, the new role waits for the user's next sign-in or refresh.
      if (granted) await this.roleRecords.refreshQuietly(result.user.id);
      await this.roleRecords.announce({
        userId: result.user.id,
        roles: result.user.roles as RoleName[],
        revoked: granted ? [] : [role as RoleName],
      });
    }
    return result;
  }
}
