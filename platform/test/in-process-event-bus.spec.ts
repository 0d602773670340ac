import { describe, expect, it } from 'vitest';
import type { DomainEvent, Unsubscribe } from '@peerlink/platform/events/event-bus';
import { InProcessEventBus } from '@peerlink/platform/events/in-process-event-bus';
import { uuidv7 } from '@peerlink/platform/ids';
import { waitFor } from '@peerlink/platform/testing/wait-for';

const newEvent = (): DomainEvent => ({
  id: uuidv7(),
  name: 'test.thing.happened',
  occurredAt: new Date().toISOString(),
  payload: {},
});

/** What only the embedded bus does; the shared behaviour is in event-bus.contract.spec.ts. */
describe('InProcessEventBus', () => {
  it('hands a new consumer only the most recent events it retains', async () => {
    const bus = new InProcessEventBus({ maxAttempts: 3, baseDelayMs: 20 }, 2);
    const sent = [newEvent(), newEvent(), newEvent()];
    for (const event of sent) await bus.publish(event);

    const received: string[] = [];
    await bus.consume('latecomer', ['test.thing.happened'], async (event) => void received.push(event.id));
    await waitFor('the retained events', () => received.length === 2);
    expect(received).toEqual([sent[1]!.id, sent[2]!.id]);
    await bus.close();
  });

  it('keeps a retry for a consumer that stopped until it consumes again', async () => {
    const bus = new InProcessEventBus({ maxAttempts: 3, baseDelayMs: 20 }, 10);
    let calls = 0;
    // It stops itself as it fails, so the retry certainly finds nobody consuming.
    const stop: Unsubscribe = await bus.consume('reader', ['test.thing.happened'], async () => {
      calls += 1;
      await stop();
      throw new Error('failing on the way out');
    });
    const sent = newEvent();
    await bus.publish(sent);
    await waitFor('the first attempt', () => calls === 1);

    const received: DomainEvent[] = [];
    await bus.consume('reader', ['test.thing.happened'], async (event) => void received.push(event));
    await waitFor('the retried event', () => received.length === 1);
    expect(received).toEqual([sent]);
    expect(calls).toBe(1);
    await bus.close();
  });
});
