import { migrate, openDatabase, type Orm } from '../db/database.js';
import { inboxPruner } from '../events/inbox.js';
import type { Infrastructure } from '../infrastructure.js';
import { subgraphMetrics, type SubgraphMetrics, withinScrape } from '../metrics.js';
import { instrumentDatabase } from './instrumentation.js';
import { type SubgraphDefinition, serveSubgraph } from './subgraph.js';

export interface StartedSubgraph<Services = unknown> {
  name: string;
  url: string;
  /** The domain's services, for in-process tooling such as `npm run seed`. */
  services: Services;
  orm: Orm;
  stop(): Promise<void>;
}

/** Opens the subgraph's database, migrates it when asked, starts its work on its settings and serves it. */
export async function startSubgraph<Settings>(
  // biome-ignore lint/suspicious/noExplicitAny: services and loaders stay the domain's own; settings are typed.
  definition: SubgraphDefinition<any, any, Settings>,
  infrastructure: Infrastructure,
  settings: Settings,
  options: { port: number; host: string; migrateOnStart: boolean },
): Promise<StartedSubgraph> {
  const { config, logger } = infrastructure;
  const orm = await openDatabase({
    name: definition.name,
    entities: definition.entities,
    migrations: definition.migrations,
    databaseUrl: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    logger,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
    poolSize: config.DATABASE_POOL_SIZE,
  });
  const metrics = subgraphMetrics(definition.name);
  instrumentDatabase(orm, metrics);
  watchOutbox(orm, metrics);
  let running: Awaited<ReturnType<typeof definition.start>> | undefined;
  let server: Awaited<ReturnType<typeof serveSubgraph>>;
  try {
    if (options.migrateOnStart) {
      const applied = await migrate(orm);
      if (applied.length) logger.info({ subgraph: definition.name, applied }, 'migrations applied');
    }
    running = await definition.start(infrastructure, orm, settings);
    server = await serveSubgraph({ definition, running, orm, infrastructure, port: options.port, host: options.host });
  } catch (error) {
    // Half started: stop its work and release its database (embedded mode's is shared and locked).
    await running?.stop?.().catch(() => {});
    await orm.close().catch(() => {});
    throw error;
  }
  const started = running;
  // Every subgraph has an inbox (platform-migrations.ts), whether or not it consumes yet.
  const pruner = inboxPruner(orm, config.EVENT_INBOX_RETENTION_DAYS, logger).start();
  return {
    name: definition.name,
    url: server.url,
    services: started.services,
    orm,
    async stop() {
      await server.close();
      await pruner.stop();
      await started.stop?.();
      await orm.close();
    },
  };
}

/**
 * The outbox's backlog and its oldest event's age, read at each scrape: an outbox that stops relaying shows here. A
 * read that fails or is late reports NaN, so a stale value never hides a stuck outbox while the database is away.
 */
function watchOutbox(orm: Orm, metrics: SubgraphMetrics) {
  const table = `"${orm.config.get('schema')}".outbox`;
  let read: Promise<{ backlog: number; age: number } | null> | null = null;
  // Both gauges are scraped together: one read answers them. The oldest row is the first by seq (its index).
  const current = () =>
    (read ??= withinScrape(
      orm.em
        .fork()
        .getConnection()
        .execute<{ backlog: number; age: number | null }[]>(
          `select (select count(*)::int from ${table}) as backlog,
             (select extract(epoch from now() - occurred_at)::float8 from ${table} order by seq limit 1) as age`,
        )
        .then(([row]) => ({ backlog: Number(row!.backlog), age: Number(row!.age ?? 0) })),
    ).finally(() => setImmediate(() => (read = null))));
  metrics.gauge({
    name: 'peerlink_outbox_backlog',
    help: 'Events committed and not yet handed to the bus (NaN while the database cannot be read)',
    async collect() {
      this.set((await current())?.backlog ?? Number.NaN);
    },
  });
  metrics.gauge({
    name: 'peerlink_outbox_oldest_age_seconds',
    help: 'How long the oldest event not yet handed to the bus has waited (0 when none waits; NaN while unread)',
    async collect() {
      this.set((await current())?.age ?? Number.NaN);
    },
  });
}
