import { unauthenticated } from '../errors.js';

export const ROLES = ['USER', 'MODERATOR', 'ADMIN', 'SELLER', 'INSTRUCTOR'] as const;
export type RoleName = (typeof ROLES)[number];

/** A list of known role names, as read from something untrusted (a token, a cache entry, a request body). */
export const isRoleList = (value: unknown): value is RoleName[] =>
  Array.isArray(value) && value.every((role) => (ROLES as readonly unknown[]).includes(role));

/**
 * Where a viewer's roles were read. `ACCOUNT`: the account's roles as they are now (the gateway read
 * the role ledger). `ACCESS_TOKEN`: the roles the token carried when it was issued, less the
 * privileged ones, which wait in `unconfirmedRoles`.
 */
export type RolesFrom = 'ACCESS_TOKEN' | 'ACCOUNT';

/** Who is making a request, as verified by the gateway. */
export interface Viewer {
  userId: string;
  sessionId: string;
  /** Check them with holdsRole or requireRole (auth/roles.ts), never directly. */
  roles: RoleName[];
  /** Unset: straight from the token, as identity signs it and as the gateway verifies it before confirming. */
  rolesFrom?: RolesFrom;
  /** Privileged roles the token claims that the role ledger could not confirm (the cache was away). */
  unconfirmedRoles?: RoleName[];
}

/** Facts about the caller's connection that the gateway vouches for. */
export interface ClientInfo {
  ip?: string;
  userAgent?: string;
  /** The origin (scheme and host) the client called, e.g. for links back to the gateway's /files. */
  origin?: string;
}

export function requireViewer(viewer: Viewer | null | undefined): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}
