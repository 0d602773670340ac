import type { MigrationObject, Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { PGliteDriver } from 'mikro-orm-pglite';
import type { Logger } from '../logger.js';
import { openEmbeddedPostgres, type SessionLock } from './embedded-postgres.js';
import { platformMigrations } from './platform-migrations.js';

export type Orm = MikroORM;

export interface DatabaseOptions {
  /** The subgraph's name: also its Postgres schema and its MikroORM context name. */
  name: string;
  entities: Function[];
  migrations: MigrationObject[];
  /** A PostgreSQL URL; without one, an embedded PGlite database under dataDir. */
  databaseUrl?: string;
  dataDir: string;
  logger: Logger;
  /** PostgreSQL cancels a statement that runs longer (DATABASE_URL only; embedded mode has one process to stop). */
  statementTimeoutMs?: number;
  /** Connections the pool may hold (DATABASE_URL only); 10 unless given. */
  poolSize?: number;
}

/**
 * Opens one subgraph's database. Each subgraph owns a Postgres schema named after it, in
 * DATABASE_URL's database or in embedded mode's one PGlite database, which the subgraphs' ORMs
 * take turns on (see embedded-postgres.ts).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Orm> {
  const { name, entities, migrations, databaseUrl, dataDir, logger, statementTimeoutMs, poolSize = 10 } = options;
  const common: Options = {
    entities,
    contextName: name,
    schema: name,
    allowGlobalContext: false,
    forceUtcTimezone: true,
    discovery: { requireEntitiesArray: true, disableDynamicFileAccess: true },
    extensions: [Migrator],
    migrations: {
      migrationsList: [...platformMigrations, ...migrations],
      tableName: 'schema_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    logger: (message) => logger.debug({ db: name }, message),
  };
  if (databaseUrl) {
    const driverOptions = statementTimeoutMs ? { connection: { statement_timeout: statementTimeoutMs } } : undefined;
    return (await MikroORM.init({
      ...common,
      driver: PostgreSqlDriver,
      clientUrl: databaseUrl,
      pool: { min: 0, max: poolSize },
      driverOptions,
    })) as unknown as Orm;
  }
  const embedded = await openEmbeddedPostgres(dataDir, name);
  let orm: Orm;
  // MikroORM's own start-up statements run on the session too: in turn, like everything after.
  let done: (() => void) | undefined;
  try {
    done = await embedded.session.acquire();
    orm = (await MikroORM.init({
      ...common,
      driver: PGliteDriver as never,
      dbName: 'postgres',
      driverOptions: { connection: { pglite: () => embedded.pglite } },
    })) as unknown as Orm;
  } catch (error) {
    done?.();
    await embedded.release();
    throw error;
  }
  done();
  takeTurns(orm, embedded.session);
  const close = orm.close.bind(orm);
  orm.close = async (force?: boolean) => {
    try {
      await close(force);
    } finally {
      await embedded.release();
    }
  };
  return orm;
}

/**
 * Makes this ORM take the shared session's lock whenever its pool hands out the connection (for a
 * transaction, or for one statement outside one) and give it back on release. The pool holds one
 * connection, so at most one turn per ORM is open at a time.
 */
function takeTurns(orm: Orm, session: SessionLock) {
  const client = orm.em.getConnection().getKnex().client as {
    acquireConnection(): Promise<unknown>;
    releaseConnection(connection: unknown): Promise<void>;
  };
  const acquire = client.acquireConnection.bind(client);
  const release = client.releaseConnection.bind(client);
  let endTurn: (() => void) | undefined;
  client.acquireConnection = async () => {
    const done = await session.acquire();
    try {
      const connection = await acquire();
      endTurn = done;
      return connection;
    } catch (error) {
      done();
      throw error;
    }
  };
  client.releaseConnection = async (connection) => {
    const done = endTurn;
    endTurn = undefined;
    try {
      await release(connection);
    } finally {
      done?.();
    }
  };
}

/** Creates the schema and applies pending migrations; returns the names applied. */
export async function migrate(orm: Orm): Promise<string[]> {
  const schema = orm.config.get('schema');
  await orm.em.getConnection().execute(`create schema if not exists "${schema}"`);
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
