import { SignJWT, jwtVerify } from 'jose';
import { secretKey } from './access-token.js';
import type { ClientInfo, RoleName, Viewer } from './viewer.js';

/**
 * The gateway signs every request it forwards to a subgraph with a token that carries the verified
 * viewer and client facts. Subgraphs accept nothing else, so an identity header forged by someone
 * who reaches a subgraph directly is worthless.
 */
export const INTERNAL_TOKEN_HEADER = 'x-peerlink-internal';
const AUDIENCE = 'peerlink-subgraph';
const TTL_SECONDS = 60;

export interface InternalIdentity {
  viewer: Viewer | null;
  client: ClientInfo;
}

export async function signInternalToken(secret: string, identity: InternalIdentity): Promise<string> {
  const { viewer, client } = identity;
  return new SignJWT({
    ...(viewer ? { sub: viewer.userId, sid: viewer.sessionId, roles: viewer.roles } : {}),
    ip: client.ip,
    ua: client.userAgent,
  })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('peerlink-gateway')
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(secretKey(secret));
}

/** Returns the identity, or null when the token is missing, forged or stale. */
export async function verifyInternalToken(secret: string, token: string | undefined): Promise<InternalIdentity | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, secretKey(secret), {
      issuer: 'peerlink-gateway',
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const viewer =
      typeof payload.sub === 'string' && typeof payload.sid === 'string'
        ? { userId: payload.sub, sessionId: payload.sid, roles: (payload.roles as RoleName[]) ?? [] }
        : null;
    return { viewer, client: { ip: payload.ip as string | undefined, userAgent: payload.ua as string | undefined } };
  } catch {
    return null;
  }
}

/**
 * Signing costs little, but a subscription fan-out signs thousands at once; a token is reused for
 * half its lifetime per identity.
 */
export class InternalTokenCache {
  private readonly tokens = new Map<string, { token: string; freshUntil: number }>();
  constructor(private readonly secret: string, private readonly maxEntries = 10_000) {}

  async get(identity: InternalIdentity): Promise<string> {
    const key = `${identity.viewer?.userId}|${identity.viewer?.sessionId}|${identity.viewer?.roles.join()}|${identity.client.ip}|${identity.client.userAgent}`;
    const hit = this.tokens.get(key);
    if (hit && hit.freshUntil > Date.now()) return hit.token;
    const token = await signInternalToken(this.secret, identity);
    if (this.tokens.size >= this.maxEntries) this.tokens.clear();
    this.tokens.set(key, { token, freshUntil: Date.now() + (TTL_SECONDS / 2) * 1000 });
    return token;
  }
}
