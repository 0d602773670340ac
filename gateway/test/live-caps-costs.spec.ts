import { describe, expect, it } from 'vitest';
import { EventCosts } from '@peerlink/gateway/live/event-costs';
import { SubscriptionCaps } from '@peerlink/gateway/live/subscription-caps';

describe('SubscriptionCaps', () => {
  it('refuses past either cap, says which, and frees a place on release', () => {
    const caps = new SubscriptionCaps(2, 3);
    expect(caps.take('u1', 'a')).toBeNull();
    expect(caps.take('u1', 'b')).toBeNull();
    expect(caps.take('u1', 'c')).toBe('At most 2 subscriptions per user.');
    expect(caps.take('u2', 'a')).toBeNull();
    expect(caps.take('u3', 'a')).toBeNull();
    expect(caps.heldFrom('a')).toBe(3);
    expect(caps.take('u4', 'a')).toBe('At most 3 subscriptions per client address.');
    // A refusal reserves nothing.
    expect(caps.heldFrom('c')).toBe(0);
    caps.release('u2', 'a');
    expect(caps.take('u4', 'a')).toBeNull();
  });
});

describe('EventCosts', () => {
  it('reports an event’s lookups once the last subscriber holding it is done', () => {
    const done: number[] = [];
    const costs = new EventCosts((lookups) => void done.push(lookups));
    costs.held('e1');
    costs.held('e1');
    costs.lookedUp('e1');
    costs.released('e1');
    expect(done).toEqual([]);
    costs.lookedUp('e1');
    costs.released('e1');
    expect(done).toEqual([2]);
    expect(costs.size).toBe(0);
  });

  it('does not report an event nobody took', () => {
    const done: number[] = [];
    const costs = new EventCosts((lookups) => void done.push(lookups));
    costs.held('e1');
    costs.released('e1', false);
    expect(done).toEqual([]);
    expect(costs.size).toBe(0);
  });
});
