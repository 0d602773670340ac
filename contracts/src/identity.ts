/**
 * A user's roles after a change, and those they lost. Role names are platform's RoleName (USER,
 * SELLER, ADMIN...), plain strings here so that contracts depend on nothing; platform's own
 * `RolesChanged` (auth/role-ledger.ts) fits this shape.
 */
export interface RolesChanged {
  userId: string;
  roles: string[];
  revoked: string[];
}

/** The events identity publishes, with their payloads: what other subgraphs may know of identity. */
export type IdentityEvents = {
  'identity.user.registered': { userId: string; username: string; displayName: string; email: string };
  /** The user's current contact and profile facts after any change to them. */
  'identity.user.updated': {
    userId: string;
    username: string;
    displayName: string;
    email: string;
    emailVerified: boolean;
    phone: string | null;
    phoneVerified: boolean;
    /** USER, SELLER, ADMIN...: notifications tells admins of what needs them (escalated returns). */
    roles: string[];
    changed: string[];
  };
  'identity.password.changed': { userId: string; reason: 'changed' | 'reset' };
  /**
   * A live-only signal (ROLES_CHANGED in platform/auth/role-ledger.ts), sent once the role ledger has
   * the change: gateways close the user's sockets when a role was revoked.
   */
  'identity.roles.changed': RolesChanged;
  /**
   * A secret to deliver: an email link token or a phone code. It travels in the event because the
   * notifications subgraph sends it; it is single-use, short-lived and stored only hashed here.
   */
  'identity.verification.requested': {
    userId: string;
    purpose: 'email_verification' | 'password_reset' | 'phone_verification';
    channel: 'email' | 'sms';
    to: string;
    secret: string;
    expiresAt: string;
  };
  'identity.user.signed_in': {
    userId: string;
    sessionId: string;
    newDevice: boolean;
    ip: string | null;
    userAgent: string | null;
  };
  /**
   * A signed-in user's session got new tokens (about every ACCESS_TOKEN_TTL_SECONDS while they use the app): the
   * only sign that someone who stays signed in and only reads is active. Never for the assistant's account.
   */
  'identity.session.refreshed': { userId: string; sessionId: string };
};
