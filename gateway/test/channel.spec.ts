import { describe, expect, it, vi } from 'vitest';
import { Channel } from '@peerlink/gateway/live/channel';

const FELL_BEHIND = 'Subscription fell too far behind and was closed; subscribe again to resume.';

describe('Channel', () => {
  it('delivers queued items in order, and items pushed to a waiting reader straight away', async () => {
    const channel = new Channel<number>(10, () => {});
    expect(channel.push(1)).toBe(true);
    expect(channel.push(2)).toBe(true);
    expect(await channel.next()).toEqual({ value: 1, done: false });
    expect(await channel.next()).toEqual({ value: 2, done: false });

    const waiting = channel.next();
    expect(channel.push(3)).toBe(true);
    expect(channel.push(4)).toBe(true);
    expect(await waiting).toEqual({ value: 3, done: false });
    expect(await channel.next()).toEqual({ value: 4, done: false });
  });

  it('is read with for await, and leaving the loop closes it', async () => {
    const onClose = vi.fn();
    const channel = new Channel<string>(10, onClose);
    for (const item of ['a', 'b', 'c']) channel.push(item);

    const read: string[] = [];
    for await (const item of channel) {
      read.push(item);
      if (read.length === 2) break;
    }
    expect(read).toEqual(['a', 'b']);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(await channel.next()).toEqual({ value: undefined, done: true });
  });

  it('fails when a push finds it full, and the reader gets the error', async () => {
    const onClose = vi.fn();
    const channel = new Channel<number>(2, onClose);
    expect(channel.push(1)).toBe(true);
    expect(channel.push(2)).toBe(true);
    expect(channel.push(3)).toBe(false);
    expect(onClose).toHaveBeenCalledTimes(1);

    await expect(channel.next()).rejects.toThrow(FELL_BEHIND);
    // A failed channel takes nothing more and closes only once.
    expect(channel.push(4)).toBe(true);
    await expect(channel.next()).rejects.toThrow(FELL_BEHIND);
    await channel.return();
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('rejects a reader that is waiting when it fails', async () => {
    const channel = new Channel<number>(1, () => {});
    const waiting = channel.next();
    channel.fail(new Error('broker went away'));
    await expect(waiting).rejects.toThrow('broker went away');
  });

  it('calls onClose once on return(), ends a waiting reader, and ignores later pushes', async () => {
    const onClose = vi.fn();
    const channel = new Channel<number>(5, onClose);
    const waiting = channel.next();

    expect(await channel.return()).toEqual({ value: undefined, done: true });
    expect(await waiting).toEqual({ value: undefined, done: true });
    await channel.return();
    expect(onClose).toHaveBeenCalledTimes(1);

    expect(channel.push(1)).toBe(true);
    expect(await channel.next()).toEqual({ value: undefined, done: true });
  });
});
