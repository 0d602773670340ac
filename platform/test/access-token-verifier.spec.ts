import { generateKeyPairSync } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AccessTokenVerifier, issueAccessToken } from '@peerlink/platform/auth/access-token';

// The real jose, with a count of the signature checks it is asked for: "cached" must mean "not checked".
const jose = vi.hoisted(() => ({ checks: 0 }));
vi.mock('jose', async (importOriginal) => {
  const real = await importOriginal<typeof import('jose')>();
  return {
    ...real,
    jwtVerify: (...args: Parameters<typeof real.jwtVerify>) => {
      jose.checks += 1;
      return real.jwtVerify(...args);
    },
  };
});
beforeEach(() => {
  jose.checks = 0;
});

const keys = generateKeyPairSync('ed25519');
const viewer = { userId: 'u1', sessionId: 's1', roles: ['USER' as const] };

/** A verifier on a clock the test moves. */
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
    expect(jose.checks).toBe(1);
    first!.viewer.roles.push('ADMIN');
    expect((await verifier.verify(token))?.viewer).toEqual(viewer);
    expect(await verifier.verify(token)).not.toBeNull();
    expect(jose.checks).toBe(1);
    expect(verifier.size).toBe(1);
  });

  it('forgets a token when it expires, even with the clock frozen in between', async () => {
    // Mid-second: a token's `exp` is in whole seconds, and the expiry it is issued with must agree.
    vi.useFakeTimers({ now: Math.floor(Date.now() / 1000) * 1000 + 500, toFake: ['Date'] });
    try {
      const issued = await issueAccessToken(keys.privateKey, viewer, 60);
      const { verifier, advance } = verifierAt(Date.now());
      expect(await verifier.verify(issued.token)).not.toBeNull();
      advance(issued.expiresAt.getTime() - Date.now() - 1);
      expect(await verifier.verify(issued.token)).not.toBeNull();
      expect(jose.checks).toBe(1);
      advance(1);
      expect(verifier.cached(issued.token)).toBe(false);
      // jose reads the (faked) Date: past the expiry the token must be checked again, and refused.
      vi.setSystemTime(issued.expiresAt.getTime() + 1_000);
      expect(await verifier.verify(issued.token)).toBeNull();
      expect(jose.checks).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps at most maxEntries tokens, dropping the least recently used', async () => {
    const { verifier } = verifierAt(Date.now(), 2);
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map((n) => issueAccessToken(keys.privateKey, { ...viewer, userId: `u${n}` }, 60)),
    );
    await verifier.verify(a!.token);
    await verifier.verify(b!.token);
    await verifier.verify(a!.token);
    await verifier.verify(c!.token);
    expect(verifier.size).toBe(2);
    expect(jose.checks).toBe(3);
    await verifier.verify(a!.token);
    expect(jose.checks).toBe(3);
    await verifier.verify(b!.token);
    expect(jose.checks).toBe(4);
  });

  it('never answers a tampered token from a cached success', async () => {
    const { token } = await issueAccessToken(keys.privateKey, viewer, 60);
    const { verifier } = verifierAt(Date.now());
    expect(await verifier.verify(token)).not.toBeNull();
    const [header, payload, signature] = token.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), roles: ['ADMIN'] }),
    ).toString('base64url');
    expect(await verifier.verify(`${header}.${forgedPayload}.${signature}`)).toBeNull();
    expect(await verifier.verify(`${token}x`)).toBeNull();
    expect(await verifier.verify(token)).not.toBeNull();
    expect(jose.checks).toBe(3);
  });

  it('remembers a refusal only briefly, and within the same bound', async () => {
    const { verifier, advance } = verifierAt(Date.now(), 2);
    expect(await verifier.verify('not-a-token')).toBeNull();
    expect(await verifier.verify('not-a-token')).toBeNull();
    expect(jose.checks).toBe(1);
    advance(1_000);
    expect(await verifier.verify('not-a-token')).toBeNull();
    expect(jose.checks).toBe(2);
    for (let i = 0; i < 5; i++) await verifier.verify(`junk-${i}`);
    expect(verifier.size).toBe(2);
  });

  it('refuses a token over 4 KB without checking it', async () => {
    const { verifier } = verifierAt(Date.now());
    expect(await verifier.verify('x'.repeat(4097))).toBeNull();
    expect(jose.checks).toBe(0);
    expect(verifier.size).toBe(0);
  });
});

describe('issueAccessToken', () => {
  it('reports the expiry the token carries, in whole seconds', async () => {
    vi.useFakeTimers({ now: Math.floor(Date.now() / 1000) * 1000 + 700, toFake: ['Date'] });
    try {
      const { token, expiresAt } = await issueAccessToken(keys.privateKey, viewer, 60);
      const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
      expect(expiresAt.getTime()).toBe(exp * 1000);
    } finally {
      vi.useRealTimers();
    }
  });
});
