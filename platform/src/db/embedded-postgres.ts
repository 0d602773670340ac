import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

/**
 * Embedded mode's PostgreSQL: ONE PGlite instance holding every subgraph's schema, as one real
 * PostgreSQL server would. Each instance costs about 150 MB (PGlite starts Postgres with 128 MB of
 * shared buffers and offers no way to lower it), so one per subgraph made an idle `npm start`
 * weigh 1.5 GB.
 *
 * PGlite is a single session. Each ORM's pool holds that one connection, and `session` below is a
 * lock over all of them: whoever acquires the connection (a transaction, or one statement outside
 * one) has the session to itself until it releases it, so two subgraphs' transactions never
 * interleave. Nothing waits on another subgraph's database while holding it (subgraphs meet only
 * through the gateway and events published after commit), so this serialises without deadlock.
 */
export interface EmbeddedPostgres {
  pglite: PGlite;
  session: SessionLock;
  /** Gives back one user's share; the last one closes the database and unlocks its directory. */
  release(): Promise<void>;
}

const open = new Map<string, { database: Promise<EmbeddedPostgres>; users: number }>();

/**
 * The database for `name` under `dataDir`: the shared one at DATA_DIR/db, or, when a data
 * directory from before the shared one holds this subgraph's own (DATA_DIR/pglite/<name>), that
 * one, so nobody's data is left behind.
 */
export function openEmbeddedPostgres(dataDir: string, name: string): Promise<EmbeddedPostgres> {
  const own = resolve(join(dataDir, 'pglite', name));
  const directory = existsSync(join(own, 'PG_VERSION')) ? own : resolve(join(dataDir, 'db'));
  let entry = open.get(directory);
  if (!entry) {
    entry = { database: start(directory), users: 0 };
    open.set(directory, entry);
    entry.database.catch(() => open.delete(directory));
  }
  entry.users++;
  return entry.database;

  async function start(directory: string): Promise<EmbeddedPostgres> {
    mkdirSync(directory, { recursive: true });
    const unlock = lockDirectory(directory);
    let pglite: PGlite;
    try {
      pglite = new PGlite(directory);
      await pglite.waitReady;
    } catch (error) {
      unlock();
      throw error;
    }
    return {
      pglite,
      session: new SessionLock(),
      async release() {
        const current = open.get(directory);
        if (!current || --current.users > 0) return;
        open.delete(directory);
        try {
          await pglite.close();
        } finally {
          unlock();
        }
      },
    };
  }
}

/**
 * A first-come, first-served lock: `acquire` resolves with the function that releases it. A wait
 * longer than `timeoutMs` fails, as a full connection pool's does, rather than hanging forever.
 */
export class SessionLock {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly timeoutMs = 60_000) {}

  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((done) => (release = done));
    const previous = this.tail;
    this.tail = previous.then(() => released);
    return new Promise((resolve, reject) => {
      let gaveUp = false;
      const timer = setTimeout(() => {
        gaveUp = true;
        reject(new Error(`Waited ${this.timeoutMs} ms for the embedded database's session`));
      }, this.timeoutMs);
      void previous.then(() => {
        clearTimeout(timer);
        // Whoever gave up still had a place in the queue: pass the turn on at once.
        if (gaveUp) release();
        else resolve(release);
      });
    });
  }
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
        throw new DataDirectoryInUseError(directory, holder);
      }
      rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock ${directory}`);
}

/** Another live process holds the embedded database: its own message is all an operator needs. */
export class DataDirectoryInUseError extends Error {
  constructor(
    readonly directory: string,
    readonly holder: number,
  ) {
    super(`${directory} is in use by process ${holder}; stop it or choose another DATA_DIR.`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
