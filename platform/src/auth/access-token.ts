import { createSecretKey, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { ROLES, type RoleName, type Viewer } from './viewer.js';

const ISSUER = 'peerlink-identity';
const AUDIENCE = 'peerlink';

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/** Short-lived access tokens: identity issues them, the gateway verifies them. */
export async function issueAccessToken(secret: string, viewer: Viewer, ttlSeconds: number): Promise<IssuedToken> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const token = await new SignJWT({ roles: viewer.roles, sid: viewer.sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(viewer.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(secretKey(secret));
  return { token, expiresAt };
}

/** Returns the viewer and when the token expires, or null for a missing, malformed or expired token. */
export async function verifyAccessToken(secret: string, token: string): Promise<{ viewer: Viewer; expiresAt: Date } | null> {
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
    const roles = (Array.isArray(payload.roles) ? payload.roles : []).filter((r): r is RoleName => ROLES.includes(r));
    if (!payload.sub || typeof payload.sid !== 'string' || !payload.exp) return null;
    return { viewer: { userId: payload.sub, sessionId: payload.sid, roles }, expiresAt: new Date(payload.exp * 1000) };
  } catch {
    return null;
  }
}

/** A KeyObject made once per secret: jose would otherwise import the raw bytes on every call. */
const keys = new Map<string, KeyObject>();
export function secretKey(secret: string): KeyObject {
  let k = keys.get(secret);
  if (!k) keys.set(secret, (k = createSecretKey(Buffer.from(secret, 'utf8'))));
  return k;
}

export function bearerToken(header: string | undefined | null): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '');
  return match?.[1];
}
