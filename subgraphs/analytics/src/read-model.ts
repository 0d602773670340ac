import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventMap } from '@peerlink/platform/events/event-bus';

/** An event as the log keeps it: only the fields some read model reads. */
export interface LoggedEvent {
  id: string;
  name: string;
  occurredAt: Date;
  payload: unknown;
}

/**
 * One read model: the events it folds, the fields of each it reads (all the log keeps of them), how it folds one,
 * and its tables (emptied before a rebuild). A fold is keyed so that the same event told twice, or events told out
 * of order, leave the same rows: the live projection and a rebuild from the log then agree.
 */
export interface ReadModel<Events extends EventMap> {
  kept: { [Name in keyof Events]: (keyof Events[Name])[] };
  fold: {
    [Name in keyof Events]: (em: EntityManager, payload: Events[Name], event: LoggedEvent) => Promise<unknown>;
  };
  tables: string[];
}
