import { uuidv7 } from '../ids.js';
import type { DomainEvent, EventBus, EventMap } from './event-bus.js';

/**
 * A live-only signal as listeners receive it: shaped like an event (so one listener hears both),
 * with an id of its own, since nothing stored ever names it.
 */
export function signalEvent(name: string, payload: object, requestId?: string): DomainEvent {
  return {
    id: uuidv7(),
    name,
    occurredAt: new Date().toISOString(),
    payload: payload as Record<string, unknown>,
    ...(requestId ? { requestId } : {}),
  };
}

export type Signal<S extends EventMap> = <K extends keyof S & string>(
  name: K,
  payload: S[K],
  requestId?: string,
) => Promise<void>;

/**
 * A subgraph's typed `bus.signal`: typing, presence, call signalling, streamed tokens. Unlike
 * `publish` from an outbox transaction, a signal is sent at once, is not stored, and reaches only
 * those listening at that moment, in no promised order with stored events.
 */
export function signaller<S extends EventMap>(bus: EventBus): Signal<S> {
  return (name, payload, requestId) => bus.signal(name, payload, requestId);
}
