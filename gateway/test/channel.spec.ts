import { describe, expect, it, vi } from 'vitest';
import { Channel, type DropReason } from '@peerlink/gateway/live/channel';
import { waitFor } from '@peerlink/platform/testing/wait-for';

interface Event {
  id: string;
  key: string;
}

/** A channel whose lookups wait until the test releases them (or answer at once with `instant`). */
function channel(
  options: {
    instant?: boolean;
    maxUnread?: number;
    stallMs?: number;
    maxPending?: number;
    concurrency?: number;
    invisible?: Set<string>;
  } = {},
) {
  const gates = new Map<string, () => void>();
  const lookups: string[] = [];
  const drops: [DropReason, number][] = [];
  const settled: [string, boolean, boolean][] = [];
  const onClose = vi.fn();
  let inFlight = 0;
  let maxInFlight = 0;
  const c = new Channel<Event, string>({
    resolve: async (event) => {
      lookups.push(event.id);
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (!options.instant) await new Promise<void>((resolve) => gates.set(event.id, resolve));
      inFlight -= 1;
      return options.invisible?.has(event.id) ? null : `result ${event.id}`;
    },
    keyOf: (event) => event.key,
    concurrency: options.concurrency ?? 4,
    maxUnread: options.maxUnread ?? 100,
    stallMs: options.stallMs ?? 50,
    maxPending: options.maxPending ?? 10_000,
    onClose,
    onDrop: (reason, events) => {
      drops.push([reason, events]);
      return Object.assign(new Error(`dropped ${events}`), { extensions: { code: 'EVENTS_DROPPED' } });
    },
    onSettled: (event, started, after) => void settled.push([event.id, started, after !== null]),
  });
  const release = (id: string) => gates.get(id)!();
  return { c, gates, lookups, drops, settled, onClose, release, maxInFlight: () => maxInFlight };
}

/** Lookups start once the pushing code has run to its end. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

const events = (n: number, prefix = 'e') =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, key: `${prefix}${i}` }));

describe('Channel', () => {
  it('takes a burst far larger than its bound from a reader that keeps asking, however slowly, in order', async () => {
    // A stall allowance far above the reader's pauses: a loaded machine can stretch a 20 ms pause many times over.
    const { c, drops, maxInFlight } = channel({ instant: true, maxUnread: 10, stallMs: 2_000 });
    for (const event of events(300)) expect(c.push(event).status).toBe('queued');
    const read: string[] = [];
    while (read.length < 300) {
      read.push((await c.next()).value as string);
      if (read.length % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(read).toEqual(events(300).map((e) => `result ${e.id}`));
    expect(drops).toEqual([]);
    expect(maxInFlight()).toBeLessThanOrEqual(4);
  });

  it('resolves at most `concurrency` at once and delivers in arrival order whatever order lookups finish in', async () => {
    const { c, gates, release, lookups } = channel({ concurrency: 2 });
    for (const event of events(4)) c.push(event);
    expect(lookups).toEqual([]);
    await tick();
    expect(lookups).toEqual(['e0', 'e1']);
    release('e1');
    await waitFor('e1 to resolve', () => c['unread'] === 1);
    // e1 waits for e0 to be read: nothing more starts until the reader takes something.
    expect(lookups).toEqual(['e0', 'e1']);
    release('e0');
    expect(await c.next()).toEqual({ value: 'result e0', done: false });
    expect(await c.next()).toEqual({ value: 'result e1', done: false });
    await waitFor('e2 and e3 to start', () => gates.has('e2') && gates.has('e3'));
  });

  it('coalesces events of one key still waiting, and never looks one key up twice at once', async () => {
    const { c, lookups, release, gates, settled } = channel({ concurrency: 4 });
    c.push({ id: 'a1', key: 'order-1' });
    await tick();
    // a1 is in flight: a2 must wait for it (a read landing before a1's could step state back).
    c.push({ id: 'a2', key: 'order-1' });
    c.push({ id: 'b1', key: 'order-2' });
    expect(c.push({ id: 'a3', key: 'order-1' })).toEqual({
      status: 'replaced',
      previous: { id: 'a2', key: 'order-1' },
    });
    await tick();
    expect(lookups).toEqual(['a1']);
    release('a1');
    expect(await c.next()).toEqual({ value: 'result a1', done: false });
    await waitFor('a3 and b1 to start', () => gates.has('a3') && gates.has('b1'));
    release('a3');
    release('b1');
    expect(await c.next()).toEqual({ value: 'result a3', done: false });
    expect(await c.next()).toEqual({ value: 'result b1', done: false });
    expect(lookups).toEqual(['a1', 'a3', 'b1']);
    expect(settled).toContainEqual(['a2', false, false]);
  });

  it('starts no lookup until the code that pushed has run, so events of one fan-out can coalesce', async () => {
    const { c, lookups, release } = channel();
    c.push({ id: 'like1', key: 'post-1' });
    c.push({ id: 'like2', key: 'post-1' });
    await tick();
    expect(lookups).toEqual(['like2']);
    release('like2');
    expect(await c.next()).toEqual({ value: 'result like2', done: false });
  });

  it('skips events that turn out not to be for the subscriber', async () => {
    const { c } = channel({ instant: true, invisible: new Set(['e1']) });
    for (const event of events(3)) c.push(event);
    expect(await c.next()).toEqual({ value: 'result e0', done: false });
    expect(await c.next()).toEqual({ value: 'result e2', done: false });
  });

  it('ends a reader that stops asking while many wait: what was resolved first arrives, then the drop, counted', async () => {
    const { c, drops, onClose, lookups } = channel({ instant: true, maxUnread: 3 });
    for (const event of events(10)) c.push(event);
    await tick();
    // Resolved only a little ahead of a reader that does not ask.
    expect(lookups).toHaveLength(4);
    await waitFor('the overflow', () => drops.length > 0);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(drops).toEqual([['slow_client', 6]]);
    expect(c.push({ id: 'late', key: 'late' }).status).toBe('refused');
    const read = [await c.next(), await c.next(), await c.next(), await c.next()].map((r) => r.value);
    expect(read).toEqual(['result e0', 'result e1', 'result e2', 'result e3']);
    await expect(c.next()).rejects.toMatchObject({ extensions: { code: 'EVENTS_DROPPED' } });
  });

  it('bounds the events waiting for lookups, and says so', async () => {
    const { c, drops } = channel({ concurrency: 1, maxPending: 5 });
    c.push({ id: 'first', key: 'first' });
    await tick();
    for (const event of events(5)) expect(c.push(event).status).toBe('queued');
    expect(c.push({ id: 'x', key: 'x' }).status).toBe('refused');
    expect(drops).toEqual([['backlog', 7]]);
    await expect(c.next()).rejects.toThrow('dropped 7');
  });

  it('ends with a lookup’s error, and return() ends a waiting reader and settles what it held', async () => {
    const failing = new Channel<Event, string>({
      resolve: async () => Promise.reject(new Error('subgraph exploded')),
      keyOf: (e) => e.key,
      concurrency: 1,
      maxUnread: 5,
      stallMs: 50,
      maxPending: 5,
      onClose: () => {},
      onDrop: () => new Error('dropped'),
    });
    failing.push({ id: 'e', key: 'e' });
    await expect(failing.next()).rejects.toThrow('subgraph exploded');

    const { c, settled, onClose } = channel();
    c.push({ id: 'e0', key: 'e0' });
    c.push({ id: 'e1', key: 'e1' });
    await tick();
    const waiting = c.next();
    expect(await c.return()).toEqual({ value: undefined, done: true });
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(settled).toEqual([
      ['e0', true, false],
      ['e1', true, false],
    ]);
  });
});
