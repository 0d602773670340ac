import type { KeyObject } from 'node:crypto';
import { SignJWT, decodeJwt, jwtVerify } from 'jose';
import { ROLES, type RoleName, type Viewer } from './viewer.js';

/**
 * A service acting for a user calls the gateway like any client, with a short-lived token of its own
 * that names the user and itself (the `act` claim, RFC 8693). The gateway treats the holder as that user
 * with the roles the account holds now, and lets it only read: an assistant can look things up for
 * someone, never act on their behalf behind their back. Only the assistant holds the private key.
 */
export const ACTORS = ['assistant'] as const;
export type Actor = (typeof ACTORS)[number];

const ISSUER = 'peerlink-assistant';
const AUDIENCE = 'peerlink-gateway';
const DEFAULT_TTL_SECONDS = 120;

export interface Delegated {
  viewer: Viewer;
  actor: Actor;
  expiresAt: Date;
}

export function signDelegationToken(
  privateKey: KeyObject,
  viewer: Pick<Viewer, 'userId' | 'sessionId' | 'roles'>,
  options: { actor: Actor; ttlSeconds?: number },
): Promise<string> {
  return new SignJWT({ sid: viewer.sessionId, roles: viewer.roles, act: { sub: options.actor } })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(viewer.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? DEFAULT_TTL_SECONDS}s`)
    .sign(privateKey);
}

/** The user, the actor and the expiry; null for anything forged, expired, or not a delegation. */
export async function verifyDelegationToken(publicKey: KeyObject, token: string): Promise<Delegated | null> {
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['EdDSA'],
    });
    const actor = (payload.act as { sub?: unknown } | undefined)?.sub;
    if (!payload.sub || typeof payload.sid !== 'string' || !payload.exp || !isActor(actor)) return null;
    const roles = (Array.isArray(payload.roles) ? payload.roles : []).filter((r): r is RoleName => ROLES.includes(r));
    return {
      viewer: { userId: payload.sub, sessionId: payload.sid, roles },
      actor,
      expiresAt: new Date(payload.exp * 1000),
    };
  } catch {
    return null;
  }
}

const isActor = (value: unknown): value is Actor => (ACTORS as readonly unknown[]).includes(value);

/** Whether `token` claims to be a delegation (unverified: only to choose which check to run). */
export function looksDelegated(token: string): boolean {
  try {
    return decodeJwt(token).iss === ISSUER;
  } catch {
    return false;
  }
}
