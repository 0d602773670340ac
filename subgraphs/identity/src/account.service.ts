import type { IssuedToken } from '@peerlink/platform/auth/access-token';
import type { ClientInfo, Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, conflict, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { isUuid } from '@peerlink/platform/ids';
import { ActivityKind } from './activity.entity.js';
import type { ActivityService } from './activity.service.js';
import type { AuthService } from './auth.service.js';
import type { IdentityEvents } from './events.js';
import { requireCurrentRole } from './current-role.js';
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
    await requireCurrentRole(this.orm.em, viewer, Role.ADMIN, 'Only admins can resync accounts.');
    let announced = 0;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const batch = await this.orm.em.fork().find(User, { id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: 500 });
      if (!batch.length) return announced;
      await this.outbox.transaction(async (_em, publish) => {
        for (const user of batch) publishUpdated(publish, user, []);
      });
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
  async changePassword(viewer: Viewer, currentPassword: string, newPassword: string, client: ClientInfo): Promise<boolean> {
    const user = await this.orm.em.findOneOrFail(User, viewer.userId);
    // Someone holding a stolen access token must not get unlimited guesses at the password.
    await this.auth.takeAttempt(`change-password:${user.id}`, 10);
    if (!(await verifyPassword(user.passwordHash, currentPassword))) throw badInput('Your current password is not right.', 'currentPassword');
    checkPassword(newPassword, { username: user.username, email: user.email }, 'newPassword');
    if (currentPassword === newPassword) throw badInput('The new password must differ from the current one.', 'newPassword');
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
  async takeRole(viewer: Viewer, role: Role, client: ClientInfo): Promise<{ user: User; refreshedAccess: IssuedToken | null }> {
    if (!SELF_SERVICE_ROLES.has(role)) throw forbidden();
    const { user, changed } = await this.setRole(viewer.userId, role, true, client, 'self');
    return { user, refreshedAccess: changed ? await this.auth.accessTokenFor(viewer) : null };
  }

  async grantRole(viewer: Viewer, userId: string, role: Role, granted: boolean, client: ClientInfo): Promise<User> {
    await requireCurrentRole(this.orm.em, viewer, Role.ADMIN, 'Only admins can grant or revoke roles.');
    if (role === Role.USER) throw badInput('Every account has the USER role.', 'role');
    if (!granted && role === Role.ADMIN && userId === viewer.userId) throw badInput('Admins cannot revoke their own admin role.', 'role');
    return (await this.setRole(userId, role, granted, client, viewer.userId)).user;
  }

  /** Makes a user an admin without a signed-in admin: for `npm run seed` and the bootstrap command. */
  async bootstrapAdmin(username: string): Promise<User> {
    const user = await this.byUsername(username);
    if (!user) throw notFound('User');
    return (await this.setRole(user.id, Role.ADMIN, true, {}, 'bootstrap')).user;
  }

  private async setRole(userId: string, role: Role, granted: boolean, client: ClientInfo, by: string) {
    return this.outbox.transaction(async (em, publish) => {
      // Ids are opaque to clients: one that is not a UUID names no user (and would be a SQL error).
      const user = isUuid(userId) ? await em.findOne(User, { id: userId }) : null;
      if (!user) throw notFound('User');
      const has = user.roles.includes(role);
      if (granted !== has) {
        user.roles = granted ? [...user.roles, role] : user.roles.filter((r) => r !== role);
        this.activity.record(em, user, granted ? ActivityKind.ROLE_GRANTED : ActivityKind.ROLE_REVOKED, client, `${role} by ${by}`);
        // Losing a role ends the user's sessions, so no refreshed token carries it again.
        if (!granted) await this.auth.revokeSessions(em, user.id);
        publishUpdated(publish, user, ['roles']);
      }
      return { user, changed: granted !== has };
    });
  }
}

