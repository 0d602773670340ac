import { describe, expect, it } from 'vitest';
import { InfrastructureUnavailable } from '@peerlink/platform/errors';
import { INFRASTRUCTURE_PATIENCE_MS, shouldRetry } from '@peerlink/platform/events/event-bus';

const policy = { maxAttempts: 3, baseDelayMs: 10 };
const now = Date.parse('2026-11-22T12:00:00Z');
const event = (ageMs: number) => ({ occurredAt: new Date(now - ageMs).toISOString() });
const away = new InfrastructureUnavailable('The cache is unavailable.');

describe('shouldRetry', () => {
  it('backs off, doubling, until the last attempt, whatever the error', () => {
    expect([1, 2].map((attempt) => shouldRetry(policy, attempt, new Error('bug'), event(0), now))).toEqual([
      { after: 10 },
      { after: 20 },
    ]);
    expect(shouldRetry(policy, 3, new Error('bug'), event(0), now)).toBeNull();
  });

  it('keeps an event waiting for shared infrastructure, a second apart at least, for three days', () => {
    expect(shouldRetry(policy, 3, away, event(0), now)).toEqual({ after: 1_000 });
    expect(shouldRetry(policy, 500, away, event(INFRASTRUCTURE_PATIENCE_MS - 1), now)).toEqual({ after: 1_000 });
    expect(shouldRetry(policy, 500, away, event(INFRASTRUCTURE_PATIENCE_MS), now)).toBeNull();
    expect(shouldRetry({ maxAttempts: 3, baseDelayMs: 1_000 }, 3, away, event(0), now)).toEqual({ after: 4_000 });
  });
});
