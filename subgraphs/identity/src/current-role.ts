import type { EntityManager } from '@mikro-orm/core';
import { roleRequired } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { Role, User } from './user.entity.js';

/**
 * Identity holds the accounts, so its checks read the caller's roles as they are now, not as their
 * access token remembers them: an admin made a minute ago need not refresh, and one demoted a
 * minute ago cannot act on the token's copy.
 */
export async function requireCurrentRole(em: EntityManager, viewer: Viewer, role: Role, refusal: string): Promise<void> {
  const user = await em.findOne(User, { id: viewer.userId });
  if (!user?.roles.includes(role)) throw roleRequired(role, refusal, 'ACCOUNT');
}
