import type { KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import type { ClientInfo, RoleName, Viewer } from './viewer.js';

/**
 * The gateway signs every request it forwards to a subgraph with a token that carries the verified
 * viewer and client facts, addressed to that one subgraph. Subgraphs hold only the gateway's public
 * key and accept nothing else: an identity header forged by someone who reaches a subgraph
 * directly is worthless, and a token meant for one subgraph is refused by the others.
 */
export const INTERNAL_TOKEN_HEADER = 'x-peerlink-internal';
const ISSUER = 'peerlink-gateway';
const TTL_SECONDS = 60;

export interface InternalIdentity {
  viewer: Viewer | null;
  client: ClientInfo;
}

/** `subgraph` is the audience: the name of the subgraph the request goes to. */
export async function signInternalToken(privateKey: KeyObject, identity: InternalIdentity, subgraph: string): Promise<string> {
  const { viewer, client } = identity;
  return new SignJWT({
    ...(viewer ? { sub: viewer.userId, sid: viewer.sessionId, roles: viewer.roles } : {}),
    ip: client.ip,
    ua: client.userAgent,
    org: client.origin,
  })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(ISSUER)
    .setAudience(subgraph)
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(privateKey);
}

/** Returns the identity, or null when the token is missing, forged, stale or meant for another subgraph. */
export async function verifyInternalToken(publicKey: KeyObject, token: string | undefined, subgraph: string): Promise<InternalIdentity | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, publicKey, { issuer: ISSUER, audience: subgraph, algorithms: ['EdDSA'] });
    const viewer =
      typeof payload.sub === 'string' && typeof payload.sid === 'string'
        ? { userId: payload.sub, sessionId: payload.sid, roles: (payload.roles as RoleName[]) ?? [] }
        : null;
    const client = { ip: payload.ip as string | undefined, userAgent: payload.ua as string | undefined, origin: payload.org as string | undefined };
    return { viewer, client };
  } catch {
    return null;
  }
}

/**
 * Signing costs little, but a subscription fan-out signs thousands at once; a token is reused for
 * half its lifetime per identity and subgraph.
 */
export class InternalTokenCache {
  private readonly tokens = new Map<string, { token: string; freshUntil: number }>();
  constructor(private readonly privateKey: KeyObject, private readonly maxEntries = 10_000) {}

  async get(identity: InternalIdentity, subgraph: string): Promise<string> {
    const key = `${subgraph}|${identityKey(identity)}`;
    const hit = this.tokens.get(key);
    if (hit && hit.freshUntil > Date.now()) return hit.token;
    const token = await signInternalToken(this.privateKey, identity, subgraph);
    if (this.tokens.size >= this.maxEntries) this.tokens.clear();
    this.tokens.set(key, { token, freshUntil: Date.now() + (TTL_SECONDS / 2) * 1000 });
    return token;
  }
}

/**
 * Everything a token signs about its caller, as one string: two calls with the same key are the same
 * caller to a subgraph. JSON, so no user agent can make two different identities spell the same.
 */
export function identityKey({ viewer, client }: InternalIdentity): string {
  return JSON.stringify([viewer?.userId, viewer?.sessionId, viewer?.roles, client.ip, client.userAgent, client.origin]);
}
