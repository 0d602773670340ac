import { unauthenticated } from '../errors.js';

export const ROLES = ['USER', 'MODERATOR', 'ADMIN', 'SELLER', 'INSTRUCTOR'] as const;
export type RoleName = (typeof ROLES)[number];

/** Who is making a request, as verified by the gateway. */
export interface Viewer {
  userId: string;
  sessionId: string;
  roles: RoleName[];
}

/** Facts about the caller's connection that the gateway vouches for. */
export interface ClientInfo {
  ip?: string;
  userAgent?: string;
  /** The origin (scheme and host) the client called, e.g. for links back to the gateway's /files. */
  origin?: string;
}

export const hasRole = (viewer: Viewer | null | undefined, role: RoleName) => !!viewer?.roles.includes(role);

export function requireViewer(viewer: Viewer | null | undefined): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}
