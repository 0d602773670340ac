import { AppError, unauthenticated } from '../errors.js';
import type { RoleName, Viewer } from './viewer.js';

/** How someone comes to hold each role: the mutation a refusal points them to. */
const OBTAINED_WITH: Record<RoleName, string> = {
  USER: 'createAccount',
  SELLER: 'becomeSeller',
  INSTRUCTOR: 'becomeInstructor',
  MODERATOR: 'grantRole',
  ADMIN: 'grantRole',
};

/**
 * Where a check read the caller's roles. `ACCESS_TOKEN`: the roles the token carried when it was
 * issued, so a role taken since is missing until the client refreshes. `ACCOUNT`: the roles as they
 * are now, so refreshing changes nothing.
 */
export type RolesFrom = 'ACCESS_TOKEN' | 'ACCOUNT';

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
  const obtain = obtainWith === 'grantRole' ? 'only an admin can give it to you (grantRole)' : `take it first with ${obtainWith}`;
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

/**
 * The caller, if their access token carries one of `roles`; otherwise `roleRequired`'s FORBIDDEN.
 * Subgraphs that hold no current copy of anyone's roles check the token's, and say so.
 */
export function requireRole(viewer: Viewer | null | undefined, roles: RoleName | RoleName[], refusal: string): Viewer {
  if (!viewer) throw unauthenticated();
  const wanted = Array.isArray(roles) ? roles : [roles];
  if (!wanted.some((role) => viewer.roles.includes(role))) throw roleRequired(wanted, refusal, 'ACCESS_TOKEN');
  return viewer;
}
