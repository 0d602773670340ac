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
export async function issueAccessToken(
  privateKey: KeyObject,
  viewer: Viewer,
  ttlSeconds: number,
): Promise<IssuedToken> {
  // `exp` is in whole seconds: the expiry reported beside the token is that same instant, not up
  // to a second after it (a client refreshing on time would otherwise send an expired token).
  const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
  const expiresAt = new Date(exp * 1000);
  const token = await new SignJWT({ roles: viewer.roles, sid: viewer.sessionId })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setSubject(viewer.userId)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(privateKey);
  return { token, expiresAt };
}

/** Returns the viewer and when the token expires, or null for a missing, malformed or expired token. */
export async function verifyAccessToken(
  publicKey: KeyObject,
  token: string,
): Promise<{ viewer: Viewer; expiresAt: Date } | null> {
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['EdDSA'],
    });
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

type Verified = { viewer: Viewer; expiresAt: Date };

const MAX_TOKEN_LENGTH = 4096;

/**
 * verifyAccessToken with a memory: a client sends the same token with every request until it
 * expires, and an Ed25519 check per request was a seventh of the gateway's CPU. Keyed on the whole
 * token, so a token changed in any byte is a different key and is verified afresh. A success lives
 * until the token's own expiry; a refusal only briefly (it never turns valid, but the bound should
 * go to tokens in use). Least recently used entries go first past `maxEntries`.
 */
export class AccessTokenVerifier {
  private readonly entries = new Map<string, { result: Verified | null; until: number }>();

  constructor(
    private readonly publicKey: KeyObject,
    private readonly maxEntries = 10_000,
    private readonly refusalTtlMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async verify(token: string): Promise<Verified | null> {
    // Ours are a few hundred bytes; a huge one is refused unread and never held in the cache.
    if (token.length > MAX_TOKEN_LENGTH) return null;
    const hit = this.entries.get(token);
    if (hit) {
      this.entries.delete(token);
      if (hit.until > this.now()) {
        this.entries.set(token, hit);
        return hit.result && copyOf(hit.result);
      }
    }
    const result = await verifyAccessToken(this.publicKey, token);
    const until = result ? result.expiresAt.getTime() : this.now() + this.refusalTtlMs;
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(token, { result, until });
    return result && copyOf(result);
  }

  /** Whether `token` would be answered without a signature check now (for tests and diagnostics). */
  cached(token: string): boolean {
    return (this.entries.get(token)?.until ?? 0) > this.now();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Each request gets its own viewer, so nothing one request does to it reaches another. */
function copyOf({ viewer, expiresAt }: Verified): Verified {
  return { viewer: { ...viewer, roles: [...viewer.roles] }, expiresAt };
}
