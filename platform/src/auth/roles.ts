import { AppError, unauthenticated } from '../errors.js';
import type { RoleName, RolesFrom, Viewer } from './viewer.js';

export type { RolesFrom } from './viewer.js';

/** How someone comes to hold each role: the mutation a refusal points them to. */
const OBTAINED_WITH: Record<RoleName, string> = {
  USER: 'createAccount',
  SELLER: 'becomeSeller',
  INSTRUCTOR: 'becomeInstructor',
  MODERATOR: 'grantRole',
  ADMIN: 'grantRole',
};

/**
 * A FORBIDDEN for a missing role that says exactly what to do next, in the message and in
 * `extensions` for clients to branch on: `requiredRoles`, `rolesFrom`, `obtainWith` (the mutation
 * that gives the first of those roles; `grantRole` is an admin's), and, when the roles were read
 * from the token, `refreshWith: 'refreshSession'` for someone who has the role since.
 */
export function roleRequired(required: RoleName | RoleName[], refusal: string, rolesFrom: RolesFrom): AppError {
  const roles = Array.isArray(required) ? required : [required];
  const obtainWith = OBTAINED_WITH[roles[0]!];
  const named = roles.join(' or ');
  const obtain =
    obtainWith === 'grantRole' ? 'only an admin can give it to you (grantRole)' : `take it first with ${obtainWith}`;
  const message =
    rolesFrom === 'ACCESS_TOKEN'
      ? `${refusal} Your access token does not carry the ${named} role. If you have it since the token was issued, ` +
        `refresh your session (refreshSession) and try again; if not, ${obtain}.`
      : `${refusal} Your account does not have the ${named} role: ${obtain}.`;
  return new AppError('FORBIDDEN', message, {
    requiredRoles: roles,
    rolesFrom,
    obtainWith,
    ...(rolesFrom === 'ACCESS_TOKEN' ? { refreshWith: 'refreshSession' } : {}),
  });
}

/** A privileged role the token claims could not be checked against the account just now. */
export const rolesUnconfirmed = (roles: RoleName[]) =>
  new AppError(
    'SERVICE_UNAVAILABLE',
    `Your ${roles.join(' or ')} role cannot be confirmed just now; try again shortly.`,
    { unconfirmedRoles: roles },
  );

/**
 * Whether the viewer holds one of `roles` now: the one question every role check asks. The gateway
 * puts the account's current roles on the viewer (role-ledger.ts), so a role revoked a moment ago is
 * not held, whatever the access token says. When it could not read them, a privileged role the token
 * claims is neither granted nor refused: SERVICE_UNAVAILABLE, so nobody is told they lost it.
 */
export function holdsRole(viewer: Viewer | null | undefined, roles: RoleName | readonly RoleName[]): boolean {
  if (!viewer) return false;
  const wanted: readonly RoleName[] = Array.isArray(roles) ? roles : [roles as RoleName];
  if (wanted.some((role) => viewer.roles.includes(role))) return true;
  const unconfirmed = wanted.filter((role) => viewer.unconfirmedRoles?.includes(role));
  if (unconfirmed.length) throw rolesUnconfirmed(unconfirmed);
  return false;
}

/** The caller, if they hold one of `roles` now (holdsRole); otherwise `roleRequired`'s FORBIDDEN. */
export function requireRole(viewer: Viewer | null | undefined, roles: RoleName | RoleName[], refusal: string): Viewer {
  if (!viewer) throw unauthenticated();
  const wanted = Array.isArray(roles) ? roles : [roles];
  if (!holdsRole(viewer, wanted)) throw roleRequired(wanted, refusal, viewer.rolesFrom ?? 'ACCESS_TOKEN');
  return viewer;
}
