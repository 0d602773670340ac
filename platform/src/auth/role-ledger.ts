import type { Cache } from '../cache/cache.js';
import { InfrastructureUnavailable } from '../errors.js';
import { isRoleList, type RoleName, type Viewer } from './viewer.js';

/** Roles whose loss must take effect at once: a token that still claims them is not enough. */
export const PRIVILEGED_ROLES: readonly RoleName[] = ['ADMIN', 'MODERATOR'];

/**
 * Identity's signal when a user's roles change. The gateway closes the user's live sockets when
 * `revoked` is not empty, so no subscription opened with a lost role carries on.
 */
export const ROLES_CHANGED = 'identity.roles.changed';
export interface RolesChanged {
  userId: string;
  roles: RoleName[];
  revoked: RoleName[];
}

/**
 * Every account's roles as they are now, in the shared cache (`roles:<userId>`, no expiry): identity
 * writes an entry whenever roles change (a removal before it commits, a grant after) and on every
 * sign-in; the gateway reads it on every request and puts those roles on the viewer it signs for
 * subgraphs. So a revocation is honoured at once everywhere, not when the access token expires.
 */
export class RoleLedger {
  constructor(private readonly cache: Cache) {}

  /** Throws InfrastructureUnavailable when the cache is away: a removal must not commit unrecorded. */
  async record(userId: string, roles: readonly RoleName[]): Promise<void> {
    await this.cache.set(ledgerKey(userId), JSON.stringify(roles));
  }

  /** The recorded roles; null when there is no entry; throws InfrastructureUnavailable when the cache is away. */
  async read(userId: string): Promise<RoleName[] | null> {
    return parseLedgerEntry(await this.cache.get(ledgerKey(userId)));
  }

  /**
   * The viewer with the roles its account holds now, or, when they cannot be read, confirmRoles's safe reading of its
   * token.
   */
  async confirm(viewer: Viewer): Promise<Viewer> {
    try {
      return confirmRoles(viewer, await this.read(viewer.userId));
    } catch (error) {
      if (error instanceof InfrastructureUnavailable) return confirmRoles(viewer, null);
      throw error;
    }
  }
}

export const ledgerKey = (userId: string) => `roles:${userId}`;

/**
 * The viewer to sign for subgraphs. With an entry, its roles and nothing the token says. Without
 * one (the cache away, or an entry lost with its data), the token's ordinary roles, and its
 * privileged ones set aside as unconfirmed: a privileged check then answers SERVICE_UNAVAILABLE.
 */
export function confirmRoles(viewer: Viewer, recorded: RoleName[] | null): Viewer {
  const { userId, sessionId } = viewer;
  if (recorded) return { userId, sessionId, roles: recorded, rolesFrom: 'ACCOUNT', unconfirmedRoles: [] };
  const privileged = (role: RoleName) => PRIVILEGED_ROLES.includes(role);
  return {
    userId,
    sessionId,
    roles: viewer.roles.filter((role) => !privileged(role)),
    rolesFrom: 'ACCESS_TOKEN',
    unconfirmedRoles: viewer.roles.filter(privileged),
  };
}

/** An entry as written by `record`; anything else (a hand edit gone wrong) counts as no entry. */
export function parseLedgerEntry(text: string | null): RoleName[] | null {
  if (text === null) return null;
  try {
    const roles: unknown = JSON.parse(text);
    return isRoleList(roles) ? roles : null;
  } catch {
    return null;
  }
}

/**
 * What a subgraph honours of a signed viewer: everything, when the gateway confirmed its roles
 * against the ledger; otherwise no privileged role, which is unconfirmed instead. So a path that
 * forgets to confirm can never pass a token's stale ADMIN on.
 */
export function privilegedRolesConfirmed(viewer: Viewer): Viewer {
  if (viewer.rolesFrom === 'ACCOUNT') return viewer;
  const confirmed = confirmRoles(viewer, null);
  const unconfirmedRoles = [...new Set([...(viewer.unconfirmedRoles ?? []), ...confirmed.unconfirmedRoles!])];
  return { ...confirmed, unconfirmedRoles };
}
