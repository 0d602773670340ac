import { describe, expect, it } from 'vitest';
import {
  ReplayWindowExceeded,
  type DomainEvent,
  type EventBus,
  type PositionedEvent,
} from '@peerlink/platform/events/event-bus';
import {
  encodeCursor,
  MissedEvents,
  readResumeFrom,
  SubscriptionPositions,
  type Cursor,
} from '@peerlink/gateway/live/resume';
import { GraphQLError } from 'graphql';

const event = (id: string): DomainEvent => ({
  id,
  name: 'things.thing.updated',
  occurredAt: new Date().toISOString(),
  payload: { id },
});
const decode = (cursor: string | null) => readResumeFrom({ live: { resumeFrom: cursor } }) as Cursor;
const silent = { error() {} } as never;

describe('cursors', () => {
  it('read back what the gateway wrote, and nothing else', () => {
    expect(readResumeFrom(undefined)).toBeNull();
    expect(readResumeFrom({ live: {} })).toBeNull();
    expect(decode(encodeCursor({ through: 41, also: [43, 47] }))).toEqual({ through: 41, also: [43, 47] });
    const forged = [
      '',
      'not a cursor',
      'e30',
      Buffer.from('[]').toString('base64url'),
      Buffer.from('[-1]').toString('base64url'),
      Buffer.from('[5,5]').toString('base64url'),
      Buffer.from('[1.5]').toString('base64url'),
      'A'.repeat(2000),
      42,
    ];
    for (const resumeFrom of forged) {
      const read = readResumeFrom({ live: { resumeFrom } });
      expect(read, String(resumeFrom)).toBeInstanceOf(GraphQLError);
      expect((read as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('a subscription’s positions', () => {
  it('stand at the event delivered, and before any older one still waiting', () => {
    const positions = SubscriptionPositions.after(4);
    const fed: DomainEvent[] = [];
    const hear = positions.gate((e) => {
      fed.push(e);
      positions.queued(e);
    });
    const [x, y, z] = [event('x'), event('y'), event('z')];
    hear(x, 5);
    hear(y, 6);
    hear(event('old'), 3); // from before the subscription began
    expect(fed).toEqual([x, y]);

    // z (7) takes waiting x's place and is delivered before y: y must not be skipped on resume.
    hear(z, 7);
    positions.settle(x);
    positions.settle(z);
    expect(decode(positions.cursor())).toEqual({ through: 5, also: [7] });
    positions.settle(y);
    expect(decode(positions.cursor())).toEqual({ through: 7, also: [] });
  });

  it('resume: missed events first, skipping those already delivered, then live ones heard meanwhile, none twice', async () => {
    const positions = SubscriptionPositions.resuming({ through: 4, also: [6] });
    const fed: string[] = [];
    const feed = (e: DomainEvent) => void fed.push(e.id);
    const hear = positions.gate(feed);
    let release = (_: PositionedEvent[]) => {};
    const read = new Promise<PositionedEvent[]>((resolve) => (release = resolve));
    const replay = positions.replay(read, feed);
    hear(event('e7'), 7);
    hear(event('e8'), 8);
    expect(fed).toEqual([]);
    release([5, 6, 7].map((p) => ({ event: event(`e${p}`), position: p, storedAt: Date.now() })));
    await replay;
    hear(event('e9'), 9);
    expect(fed).toEqual(['e5', 'e7', 'e8', 'e9']);
  });
});

describe('reading missed events', () => {
  const busThat = (recent: EventBus['recent']) => ({ recent }) as unknown as EventBus;
  const settings = { windowMs: 300_000, maxEvents: 2 };
  const everything = () => true;

  it('answers RESUME_WINDOW_EXCEEDED past the window and SERVICE_UNAVAILABLE when the stream cannot be read', async () => {
    const tooMany = new MissedEvents(
      busThat(() => Promise.reject(new ReplayWindowExceeded('count'))),
      settings,
      silent,
    );
    await expect(tooMany.read('s', 1, 0, everything)).rejects.toMatchObject({
      extensions: { code: 'RESUME_WINDOW_EXCEEDED', reason: 'count' },
    });
    const down = new MissedEvents(
      busThat(() => Promise.reject(new Error('no responders'))),
      settings,
      silent,
    );
    await expect(down.read('s', 1, 0, everything)).rejects.toMatchObject({
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  });

  it("counts and dates only the subscriber's own events: strangers' on the same subject neither age nor fill its window", async () => {
    const old = Date.now() - settings.windowMs - 1000;
    const stored = (name: string, position: number, storedAt = Date.now() - 1000) => ({
      event: event(name),
      position,
      storedAt,
    });
    const mine = (e: DomainEvent) => e.id.startsWith('mine');
    const busy = new MissedEvents(
      busThat(async () => [
        stored('theirs1', 2, old),
        stored('theirs2', 3),
        stored('mine1', 4),
        stored('theirs3', 5),
        stored('mine2', 6),
      ]),
      settings,
      silent,
    );
    expect((await busy.read('s', 1, performance.now(), mine)).map((m) => m.event.id)).toEqual(['mine1', 'mine2']);
    const long = new MissedEvents(
      busThat(async () => [stored('mine1', 2), stored('mine2', 3), stored('mine3', 4)]),
      settings,
      silent,
    );
    await expect(long.read('s', 1, performance.now(), mine)).rejects.toMatchObject({
      extensions: { code: 'RESUME_WINDOW_EXCEEDED', reason: 'count' },
    });
    const stale = new MissedEvents(
      busThat(async () => [stored('theirs1', 2), stored('mine1', 3, old)]),
      settings,
      silent,
    );
    await expect(stale.read('s', 1, performance.now(), mine)).rejects.toMatchObject({
      extensions: { code: 'RESUME_WINDOW_EXCEEDED', reason: 'age' },
    });
  });

  it('does not count what was stored once the subscriber listened: that reaches it live', async () => {
    const listened = performance.now() - 60_000;
    const stored = (name: string, position: number, agoMs: number) => ({
      event: event(name),
      position,
      storedAt: Date.now() - agoMs,
    });
    const missed = new MissedEvents(
      busThat(async () => [stored('before', 2, 61_000), stored('after1', 3, 30_000), stored('after2', 4, 20_000)]),
      { windowMs: 300_000, maxEvents: 1 },
      silent,
    );
    expect((await missed.read('s', 1, listened, everything)).map((m) => m.event.id)).toEqual([
      'before',
      'after1',
      'after2',
    ]);
    const tight = new MissedEvents(
      busThat(async () => [stored('after1', 3, 30_000)]),
      { windowMs: 1, maxEvents: 1 },
      silent,
    );
    expect(await tight.read('s', 1, listened, everything)).toHaveLength(1);
  });

  it('reads once for subscribers that resume from the same place, unless the read began before one listened', async () => {
    let reads = 0;
    const missed = new MissedEvents(
      busThat(async () => {
        reads++;
        return [];
      }),
      settings,
      silent,
    );
    const listened = performance.now();
    await Promise.all([
      missed.read('s', 1, listened, everything),
      missed.read('s', 1, listened, everything),
      missed.read('s', 2, listened, everything),
    ]);
    expect(reads).toBe(2);
    // Began before this subscriber listened: events between its start and the listener would be lost.
    let slowReads = 0;
    const releases: (() => void)[] = [];
    const slow = new MissedEvents(
      busThat(() => {
        slowReads++;
        return new Promise((resolve) => releases.push(() => resolve([])));
      }),
      settings,
      silent,
    );
    const early = slow.read('s', 1, performance.now(), everything);
    const late = slow.read('s', 1, performance.now() + 1, everything);
    expect(slowReads).toBe(2);
    for (const release of releases) release();
    await Promise.all([early, late]);
  });
});
