import type { EntityManager, QueryResult } from '@mikro-orm/postgresql';
import { Repeating } from '../background/repeating.js';
import type { Orm } from '../db/database.js';
import { table } from '../db/sql.js';
import type { Logger } from '../logger.js';

/** Rows one statement deletes at most: however large the backlog, each holds few row locks, briefly. */
const PRUNE_BATCH = 1000;
const PRUNE_EVERY_MS = 15 * 60_000;

/**
 * Forgets the events consumers processed more than `retentionDays` ago (consumer.ts's inbox, which
 * makes them idempotent), batch by batch, each delete its own short statement on the processed_at
 * index. Rows another process is pruning are skipped, not waited for. Returns how many went.
 */
export async function pruneInbox(em: EntityManager, retentionDays: number, batch = PRUNE_BATCH): Promise<number> {
  const inbox = table(em, 'processed_event');
  let pruned = 0;
  for (;;) {
    const { affectedRows } = await em.execute<QueryResult>(
      `delete from ${inbox} where (consumer, event_id) in (
         select consumer, event_id from ${inbox} where processed_at < now() - ? * interval '1 day'
         order by processed_at limit ? for update skip locked)`,
      [retentionDays, batch],
      'run',
    );
    pruned += affectedRows;
    if (affectedRows < batch) return pruned;
  }
}

/** Every subgraph's inbox pruner (start-subgraph.ts starts it): a consumer needs no code of its own for it. */
export function inboxPruner(orm: Orm, retentionDays: number, logger: Logger): Repeating {
  return new Repeating(
    'inbox prune',
    PRUNE_EVERY_MS,
    async () => {
      const pruned = await pruneInbox(orm.em.fork() as EntityManager, retentionDays);
      if (pruned) logger.info({ schema: orm.config.get('schema'), pruned }, 'processed events forgotten');
    },
    logger,
  );
}
