import { createHash, type KeyObject } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';
import { ROLES, type ClientInfo, type RoleName, type RolesFrom, type Viewer } from './viewer.js';

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
export async function signInternalToken(
  privateKey: KeyObject,
  identity: InternalIdentity,
  subgraph: string,
): Promise<string> {
  const { viewer, client } = identity;
  const claims = {
    ...(viewer
      ? {
          sub: viewer.userId,
          sid: viewer.sessionId,
          roles: viewer.roles,
          rf: viewer.rolesFrom,
          ur: viewer.unconfirmedRoles,
        }
      : {}),
    ip: client.ip,
    ua: client.userAgent,
    org: client.origin,
  };
  return signFor(privateKey, claims, subgraph);
}

/** A gateway token carrying `claims`, addressed to `subgraph`, valid for TTL_SECONDS. */
function signFor(privateKey: KeyObject, claims: Record<string, unknown>, subgraph: string): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(ISSUER)
    .setAudience(subgraph)
    .setIssuedAt()
    .setExpirationTime(`${TTL_SECONDS}s`)
    .sign(privateKey);
}

/** Returns the identity, or null when the token is missing, forged, stale or meant for another subgraph. */
export async function verifyInternalToken(
  publicKey: KeyObject,
  token: string | undefined,
  subgraph: string,
): Promise<InternalIdentity | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      issuer: ISSUER,
      audience: subgraph,
      algorithms: ['EdDSA'],
    });
    // A batch's token vouches for the identities beside it, not for whoever presents it.
    if (payload[BATCH_CLAIM] !== undefined) return null;
    const viewer =
      typeof payload.sub === 'string' && typeof payload.sid === 'string'
        ? {
            userId: payload.sub,
            sessionId: payload.sid,
            roles: rolesIn(payload.roles),
            ...(payload.rf === 'ACCOUNT' || payload.rf === 'ACCESS_TOKEN'
              ? { rolesFrom: payload.rf as RolesFrom }
              : {}),
            ...(payload.ur !== undefined ? { unconfirmedRoles: rolesIn(payload.ur) } : {}),
          }
        : null;
    const client = {
      ip: payload.ip as string | undefined,
      userAgent: payload.ua as string | undefined,
      origin: payload.org as string | undefined,
    };
    return { viewer, client };
  } catch {
    return null;
  }
}

const rolesIn = (value: unknown): RoleName[] =>
  Array.isArray(value) ? value.filter((r): r is RoleName => ROLES.includes(r)) : [];

/**
 * Signing costs little, but a subscription fan-out signs thousands at once; a token is reused for
 * half its lifetime per identity and subgraph.
 */
export class InternalTokenCache {
  private readonly tokens = new Map<string, { token: string; freshUntil: number }>();
  constructor(
    private readonly privateKey: KeyObject,
    private readonly maxEntries = 10_000,
  ) {}

  async get(identity: InternalIdentity, subgraph: string): Promise<string> {
    const key = `${subgraph}|${identityKey(identity)}`;
    const hit = this.tokens.get(key);
    if (hit && hit.freshUntil > Date.now()) return hit.token;
    const token = await signInternalToken(this.privateKey, identity, subgraph);
    if (this.tokens.size >= this.maxEntries) this.tokens.clear();
    this.tokens.set(key, { token, freshUntil: Date.now() + (TTL_SECONDS / 2) * 1000 });
    return token;
  }

  /** A batch's token: never cached, since no two batches carry the same list. */
  signBatch(identities: readonly InternalIdentity[], subgraph: string): Promise<string> {
    return signBatchToken(this.privateKey, identities, subgraph);
  }
}

/**
 * Everything a token signs about its caller, as one string: two calls with the same key are the same
 * caller to a subgraph. JSON, so no user agent can make two different identities spell the same.
 */
export function identityKey({ viewer, client }: InternalIdentity): string {
  return JSON.stringify([
    viewer?.userId,
    viewer?.sessionId,
    viewer?.roles,
    viewer?.rolesFrom,
    viewer?.unconfirmedRoles,
    client.ip,
    client.userAgent,
    client.origin,
  ]);
}

/** The claim of a batch token: the digest of the identities the batch carries, in order. */
const BATCH_CLAIM = 'bat';

/** One string for a list of identities; a batch token signs it so no identity can be added, dropped or swapped. */
export function identitiesDigest(identities: readonly InternalIdentity[]): string {
  // identityKey is JSON, which has no raw newline: the joined list reads back one way only.
  return createHash('sha256').update(identities.map(identityKey).join('\n')).digest('base64url');
}

/**
 * One token for a batch of live lookups to `subgraph`, each made as its own recipient: signed once
 * over the digest of their identities instead of once per recipient.
 */
export function signBatchToken(
  privateKey: KeyObject,
  identities: readonly InternalIdentity[],
  subgraph: string,
): Promise<string> {
  return signFor(privateKey, { [BATCH_CLAIM]: identitiesDigest(identities) }, subgraph);
}

/** Whether `token` is the gateway's batch token for exactly these identities, to this subgraph. */
export async function verifyBatchToken(
  publicKey: KeyObject,
  token: string | undefined,
  subgraph: string,
  identities: readonly InternalIdentity[],
): Promise<boolean> {
  if (!token) return false;
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      issuer: ISSUER,
      audience: subgraph,
      algorithms: ['EdDSA'],
    });
    return typeof payload[BATCH_CLAIM] === 'string' && payload[BATCH_CLAIM] === identitiesDigest(identities);
  } catch {
    return false;
  }
}
