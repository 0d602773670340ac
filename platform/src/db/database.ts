import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { MigrationObject, Options } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import { PGliteDriver } from 'mikro-orm-pglite';
import type { Logger } from '../logger.js';
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
}

/**
 * Opens one subgraph's database. Each subgraph owns a Postgres schema named after it; in embedded
 * mode each also gets its own PGlite instance, because PGlite is a single session and two ORMs
 * sharing one would interleave their transactions.
 */
export async function openDatabase(options: DatabaseOptions): Promise<Orm> {
  const { name, entities, migrations, databaseUrl, dataDir, logger } = options;
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
    return (await MikroORM.init({ ...common, driver: PostgreSqlDriver, clientUrl: databaseUrl, pool: { min: 0, max: 10 } })) as unknown as Orm;
  }
  const directory = resolve(join(dataDir, 'pglite', name));
  mkdirSync(directory, { recursive: true });
  const unlock = lockDirectory(directory);
  const pglite = new PGlite(directory);
  const orm = (await MikroORM.init({
    ...common,
    driver: PGliteDriver as never,
    dbName: 'postgres',
    driverOptions: { connection: { pglite: () => pglite } },
  })) as unknown as Orm;
  const close = orm.close.bind(orm);
  orm.close = async (force?: boolean) => {
    await close(force);
    await pglite.close();
    unlock();
  };
  return orm;
}

/** Creates the schema and applies pending migrations; returns the names applied. */
export async function migrate(orm: Orm): Promise<string[]> {
  const schema = orm.config.get('schema');
  await orm.em.getConnection().execute(`create schema if not exists "${schema}"`);
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt it.
 * A lock file holding our pid turns that mistake into a clear error; a stale one is taken over.
 */
function lockDirectory(directory: string): () => void {
  const file = `${directory}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(file, 'utf8'));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(`${directory} is in use by process ${holder}; stop it or choose another DATA_DIR.`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock ${directory}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
