import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { AccessTokenVerifier, issueAccessToken } from '@peerlink/platform/auth/access-token';

const keys = generateKeyPairSync('ed25519');
const viewer = { userId: 'u1', sessionId: 's1', roles: ['USER' as const] };

/** A verifier on a clock the test moves, with a count of the signature checks it really made. */
function verifierAt(start: number, maxEntries = 100) {
  let now = start;
  const verifier = new AccessTokenVerifier(keys.publicKey, maxEntries, 1_000, () => now);
  return { verifier, advance: (ms: number) => (now += ms) };
}

describe('AccessTokenVerifier', () => {
  it('answers a token seen before without checking it again, each caller with its own viewer', async () => {
    const { token } = await issueAccessToken(keys.privateKey, viewer, 60);
    const { verifier } = verifierAt(Date.now());
    const first = await verifier.verify(token);
    expect(verifier.cached(token)).toBe(true);
    first!.viewer.roles.push('ADMIN');
    expect((await verifier.verify(token))?.viewer).toEqual(viewer);
    expect(verifier.size).toBe(1);
  });

  it('forgets a token when it expires, even with the clock frozen in between', async () => {
    vi.useFakeTimers({ now: Date.now(), toFake: ['Date'] });
    try {
      const issued = await issueAccessToken(keys.privateKey, viewer, 60);
      const { verifier, advance } = verifierAt(Date.now());
      expect(await verifier.verify(issued.token)).not.toBeNull();
      advance(issued.expiresAt.getTime() - Date.now() - 1);
      expect(await verifier.verify(issued.token)).not.toBeNull();
      advance(1);
      expect(verifier.cached(issued.token)).toBe(false);
      // jose reads the real clock: past the expiry the token must be checked again, and refused.
      vi.setSystemTime(issued.expiresAt.getTime() + 1_000);
      expect(await verifier.verify(issued.token)).toBeNull();
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps at most maxEntries tokens, dropping the least recently used', async () => {
    const { verifier } = verifierAt(Date.now(), 2);
    const [a, b, c] = await Promise.all([1, 2, 3].map((n) => issueAccessToken(keys.privateKey, { ...viewer, userId: `u${n}` }, 60)));
    await verifier.verify(a!.token);
    await verifier.verify(b!.token);
    await verifier.verify(a!.token);
    await verifier.verify(c!.token);
    expect(verifier.size).toBe(2);
    expect(verifier.cached(a!.token)).toBe(true);
    expect(verifier.cached(b!.token)).toBe(false);
  });

  it('never answers a tampered token from a cached success', async () => {
    const { token } = await issueAccessToken(keys.privateKey, viewer, 60);
    const { verifier } = verifierAt(Date.now());
    expect(await verifier.verify(token)).not.toBeNull();
    const [header, payload, signature] = token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), roles: ['ADMIN'] })).toString('base64url');
    expect(await verifier.verify(`${header}.${forgedPayload}.${signature}`)).toBeNull();
    expect(await verifier.verify(`${token}x`)).toBeNull();
    expect(await verifier.verify(token)).not.toBeNull();
  });

  it('remembers a refusal only briefly, and within the same bound', async () => {
    const { verifier, advance } = verifierAt(Date.now(), 2);
    expect(await verifier.verify('not-a-token')).toBeNull();
    expect(verifier.cached('not-a-token')).toBe(true);
    advance(1_000);
    expect(verifier.cached('not-a-token')).toBe(false);
    for (let i = 0; i < 5; i++) await verifier.verify(`junk-${i}`);
    expect(verifier.size).toBe(2);
  });
});
