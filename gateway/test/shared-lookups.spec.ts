import { afterEach, describe, expect, it, vi } from 'vitest';
import { SharedLookups } from '@peerlink/gateway/live/shared-lookups';

describe('SharedLookups', () => {
  afterEach(() => void vi.useRealTimers());

  it('resolves an event once for every subscriber that queued it, then forgets it', async () => {
    const lookups = new SharedLookups<string>(60_000);
    const resolve = vi.fn(async () => 'result');
    for (let i = 0; i < 3; i++) lookups.expect('event-1');

    const taken = [
      lookups.take('event-1', resolve),
      lookups.take('event-1', resolve),
      lookups.take('event-1', resolve),
    ];

    expect(resolve).toHaveBeenCalledTimes(1);
    expect(taken.map((t) => t.resolvedHere)).toEqual([true, false, false]);
    expect(await Promise.all(taken.map((t) => t.result))).toEqual(['result', 'result', 'result']);
    expect(lookups.size).toBe(0);
  });

  it('forgets an event at once when every subscriber that queued it lets it go', () => {
    const lookups = new SharedLookups<string>(60_000);
    lookups.expect('event-1');
    lookups.expect('event-1');
    lookups.release('event-1');
    expect(lookups.size).toBe(1);
    lookups.take('event-1', async () => 'result');
    expect(lookups.size).toBe(0);
    lookups.expect('event-2');
    lookups.release('event-2');
    expect(lookups.size).toBe(0);
  });

  it('keeps different events apart', () => {
    const lookups = new SharedLookups<string>(60_000);
    lookups.expect('a');
    lookups.expect('b');
    const resolve = vi.fn(async () => 'x');
    lookups.take('a', resolve);
    lookups.take('b', resolve);
    expect(resolve).toHaveBeenCalledTimes(2);
  });

  it('drops a result that subscribers who left will never take, after its time to live', () => {
    vi.useFakeTimers();
    const lookups = new SharedLookups<string>(1_000);
    lookups.expect('event-1');
    lookups.expect('event-1');
    lookups.take('event-1', async () => 'result');
    expect(lookups.size).toBe(1);
    vi.advanceTimersByTime(1_000);
    expect(lookups.size).toBe(0);
  });
});
