import { DeadlineExceeded, takeOverAfterMs, withDeadline } from '@peerlink/platform/outside-call';
import { describe, expect, it } from 'vitest';

describe('outside calls', () => {
  it('take a claim over only after the deadline, backing off as attempts grow, up to an hour', () => {
    const settings = { deadlineMs: 20_000, sweepMs: 5_000 };
    expect(takeOverAfterMs(1, settings)).toBe(25_000);
    expect(takeOverAfterMs(2, settings)).toBe(30_000);
    expect(takeOverAfterMs(4, settings)).toBe(60_000);
    expect(takeOverAfterMs(30, settings)).toBe(20_000 + 3_600_000);
  });

  it('give up on a call at its deadline, aborting its signal; a call in time passes its answer or its error through', async () => {
    let signal: AbortSignal | undefined;
    const hangs = (s: AbortSignal) => {
      signal = s;
      return new Promise<never>(() => {});
    };
    await expect(withDeadline(30, hangs)).rejects.toBeInstanceOf(DeadlineExceeded);
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(DeadlineExceeded);
    await expect(withDeadline(1000, async () => 'answer')).resolves.toBe('answer');
    await expect(withDeadline(1000, async () => Promise.reject(new Error('declined')))).rejects.toThrow('declined');
  });
});
