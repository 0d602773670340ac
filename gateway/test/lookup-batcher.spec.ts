import { afterEach, describe, expect, it, vi } from 'vitest';
import { identitiesDigest } from '@peerlink/platform/auth/internal-token';
import { LookupBatcher, toLookupBatch, type LiveLookup } from '@peerlink/gateway/live/lookup-batcher';

/** A batcher whose sends are held until the test releases them. */
function heldBatcher(limits: { windowMs: number; maxItems: number; maxInFlight: number }) {
  const sent: { items: number[]; release(fail?: Error): void }[] = [];
  const sizes: number[] = [];
  const batcher = new LookupBatcher<number, string>(
    limits,
    (items) =>
      new Promise((resolve, reject) => {
        sent.push({ items, release: (fail) => (fail ? reject(fail) : resolve(items.map((i) => `r${i}`))) });
      }),
    (size) => sizes.push(size),
  );
  return { batcher, sent, sizes };
}

describe('LookupBatcher', () => {
  afterEach(() => void vi.useRealTimers());

  it('gathers the lookups of one window into one batch, each getting its own result', async () => {
    vi.useFakeTimers();
    const { batcher, sent, sizes } = heldBatcher({ windowMs: 3, maxItems: 200, maxInFlight: 4 });
    const results = [1, 2, 3].map((i) => batcher.add(i));
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(3);
    expect(sent.map((s) => s.items)).toEqual([[1, 2, 3]]);
    sent[0]!.release();
    expect(await Promise.all(results)).toEqual(['r1', 'r2', 'r3']);
    expect(sizes).toEqual([3]);
  });

  it('sends a full batch at once, without waiting for the window', async () => {
    vi.useFakeTimers();
    const { batcher, sent } = heldBatcher({ windowMs: 1000, maxItems: 2, maxInFlight: 4 });
    const results = [1, 2, 3].map((i) => batcher.add(i));
    expect(sent.map((s) => s.items)).toEqual([[1, 2]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(sent.map((s) => s.items)).toEqual([[1, 2], [3]]);
    for (const s of sent) s.release();
    expect(await Promise.all(results)).toEqual(['r1', 'r2', 'r3']);
  });

  it('keeps at most maxInFlight batches on their way; the rest wait for one to come back', async () => {
    vi.useFakeTimers();
    const { batcher, sent } = heldBatcher({ windowMs: 3, maxItems: 2, maxInFlight: 2 });
    const results = Array.from({ length: 9 }, (_, i) => batcher.add(i));
    await vi.advanceTimersByTimeAsync(10);
    expect(sent.map((s) => s.items)).toEqual([
      [0, 1],
      [2, 3],
    ]);
    sent[0]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((s) => s.items)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    sent[1]!.release();
    sent[2]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toHaveLength(5);
    sent[3]!.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent.map((s) => s.items).at(-1)).toEqual([8]);
    sent[4]!.release();
    expect(await Promise.all(results)).toEqual(Array.from({ length: 9 }, (_, i) => `r${i}`));
  });

  it('fails every lookup of a batch that fails, and goes on with the next', async () => {
    vi.useFakeTimers();
    const { batcher, sent } = heldBatcher({ windowMs: 1, maxItems: 10, maxInFlight: 1 });
    const failing = [batcher.add(1), batcher.add(2)];
    await vi.advanceTimersByTimeAsync(1);
    const later = batcher.add(3);
    sent[0]!.release(new Error('subgraph down'));
    for (const result of failing) await expect(result).rejects.toThrow('subgraph down');
    await vi.advanceTimersByTimeAsync(1);
    sent[1]!.release();
    expect(await later).toBe('r3');
  });

  it('fails the lookups of a batch answered with the wrong number of results', async () => {
    const batcher = new LookupBatcher<number, string>({ windowMs: 0, maxItems: 10, maxInFlight: 1 }, async () => [
      'only one',
      'too many',
    ]);
    await expect(batcher.add(1)).rejects.toThrow(/came back with 2 results/);
  });
});

describe('toLookupBatch', () => {
  it('lists each query and identity once, and the digest covers the identities in order', () => {
    const alice = { viewer: { userId: 'a', sessionId: 's1', roles: ['USER' as const] }, client: { ip: '1.1.1.1' } };
    const bob = { viewer: { userId: 'b', sessionId: 's2', roles: ['USER' as const] }, client: { ip: '2.2.2.2' } };
    const lookups: LiveLookup[] = [
      { query: 'query A { a }', variables: { id: 1 }, identity: alice },
      { query: 'query A { a }', variables: { id: 2 }, identity: bob },
      { query: 'query B { b }', identity: alice },
    ];
    const batch = toLookupBatch(lookups);
    expect(batch.queries).toEqual(['query A { a }', 'query B { b }']);
    expect(batch.identities).toEqual([alice, bob]);
    expect(batch.items.map((i) => [i.query, i.identity])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    expect(identitiesDigest([alice, bob])).not.toBe(identitiesDigest([bob, alice]));
    expect(identitiesDigest(JSON.parse(JSON.stringify([alice, bob])))).toBe(identitiesDigest([alice, bob]));
  });
});
