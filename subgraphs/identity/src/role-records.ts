import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { RoleLedger, RolesChanged } from '@peerlink/platform/auth/role-ledger';
import type { RoleName } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { rows, table } from '@peerlink/platform/db/sql';
import type { EventBus } from '@peerlink/platform/events/event-bus';
import { signaller, type Signal } from '@peerlink/platform/events/signals';
import type { Logger } from '@peerlink/platform/logger';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import { Role, User } from './user.entity.js';

/**
 * Identity's side of the role ledger (platform/auth/role-ledger.ts): the gateway honours only the
 * roles recorded there. Every write holds the user's row, so of two writes racing for one user the
 * later always reads what the earlier committed: an older read can never overwrite a revocation.
 */
export class RoleRecords {
  private readonly signal: Signal<IdentityEvents>;

  constructor(
    private readonly orm: Orm,
    private readonly ledger: RoleLedger,
    bus: EventBus,
    private readonly logger: Logger,
  ) {
    this.signal = signaller<IdentityEvents>(bus);
  }

  /** Inside a role change's transaction, the row already locked: for a removal, before it commits. */
  record(user: User): Promise<void> {
    return this.ledger.record(user.id, user.roles as RoleName[]);
  }

  /** Records the users' committed roles (after a grant, a sign-in, a repair). Throws when the cache is away. */
  async refresh(userIds: readonly string[]): Promise<void> {
    if (!userIds.length) return;
    await (this.orm.em.fork() as EntityManager).transactional(async (em) => {
      const users = await em.find(
        User,
        { id: { $in: [...userIds] } },
        { lockMode: LockMode.PESSIMISTIC_WRITE, orderBy: { id: 'asc' } },
      );
      for (const user of users) await this.record(user);
    });
  }

  /**
   * `refresh` for a sign-in: without an entry the user's privileged roles are unconfirmed, which is safe, so a failure
   * only logs.
   */
  async refreshQuietly(userId: string): Promise<void> {
    await this.refresh([userId]).catch((error) =>
      this.logger.warn({ err: error, userId }, 'role ledger not refreshed'),
    );
  }

  /**
   * At start: entries for everyone holding a privileged role, so an embedded restart (memory
   * cache) or a Redis that lost its data does not leave admins' roles unconfirmed until they sign in.
   */
  async refreshPrivileged(): Promise<void> {
    const em = this.orm.em.fork() as EntityManager;
    const found = await rows<{ id: string }>(
      em,
      `select id from ${table(em, 'users')} where roles && ?::text[] order by id`,
      [`{${Role.ADMIN},${Role.MODERATOR}}`],
    );
    for (let i = 0; i < found.length; i += 500) await this.refresh(found.slice(i, i + 500).map((r) => r.id));
  }

  /**
   * Tells gateways; with `revoked` roles they close the user's live sockets. Live-only, sent after the ledger has the
   * change.
   */
  async announce(change: RolesChanged): Promise<void> {
    await this.signal('identity.roles.changed', change).catch((error) =>
      this.logger.warn({ err: error, userId: change.userId }, 'roles change not signalled'),
    );
  }
}
