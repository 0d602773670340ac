import type { KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { ROLES, type RoleName, type Viewer } from './viewer.js';

const ISSUER = 'peerlink-identity';
const AUDIENCE = 'peerlink';

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** Short-lived access tokens: identity signs them with its private key, the gateway verifies them. */
export async function issueAccessToken(privateKey: KeyObject, viewer: Viewer, ttlSeconds: number): Promise<IssuedToken> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const token = await new SignJWT({ roles: viewer.roles, sid: viewer.sessionId })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(viewer.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(privateKey);
  return { token, expiresAt };
}

/** Returns the viewer and when the token expires, or null for a missing, malformed or expired token. */
export async function verifyAccessToken(publicKey: KeyObject, token: string): Promise<{ viewer: Viewer; expiresAt: Date } | null> {
  try {
    const { payload } = await jwtVerify(token, publicKey, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['EdDSA'] });
    const roles = (Array.isArray(payload.roles) ? payload.roles : []).filter((r): r is RoleName => ROLES.includes(r));
    if (!payload.sub || typeof payload.sid !== 'string' || !payload.exp) return null;
    return { viewer: { userId: payload.sub, sessionId: payload.sid, roles }, expiresAt: new Date(payload.exp * 1000) };
  } catch {
    return null;
  }
}

export function bearerToken(header: string | undefined | null): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
  return match?.[1];
}
