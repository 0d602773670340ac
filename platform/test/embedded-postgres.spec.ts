import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Entity, PrimaryKey } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Orm } from '@peerlink/platform/db/database';
import { createLogger } from '@peerlink/platform/logger';
import { waitFor } from '@peerlink/platform/testing/wait-for';

/** Embedded mode's one PGlite database, shared by every subgraph's ORM in turn. */

const logger = createLogger({ level: 'silent', service: 'embedded-postgres-test' });

@Entity({ tableName: 'notes' })
class Note {
  @PrimaryKey({ type: 'text' })
  id!: string;
}

class Migration20260101000000_notes extends Migration {
  override async up() {
    this.addSql(`create table "${this.config.get('schema')}".notes (id text primary key)`);
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-embedded-pg-'));
const open = (name: string, dir = dataDir) =>
  openDatabase({
    name,
    entities: [Note],
    migrations: [{ name: 'Migration20260101000000_notes', class: Migration20260101000000_notes }],
    dataDir: dir,
    logger,
  });
let alpha: Orm;
let beta: Orm;

beforeAll(async () => {
  alpha = await open('alpha');
  beta = await open('beta');
  await migrate(alpha);
  await migrate(beta);
});

afterAll(async () => {
  await alpha?.close(true);
  await beta?.close(true);
  rmSync(dataDir, { recursive: true, force: true });
});

const em = (orm: Orm) => orm.em.fork() as EntityManager;
const insert = (e: EntityManager, schema: string, id: string) =>
  e.execute(`insert into ${schema}.notes (id) values (?)`, [id]);
const ids = async (orm: Orm, schema: string) =>
  (await em(orm).execute<{ id: string }[]>(`select id from ${schema}.notes order by id`)).map((r) => r.id);

/** A promise to hold a transaction open until the test lets it go. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('embedded PostgreSQL', () => {
  it('keeps every subgraph in one database, each in its own schema', async () => {
    expect(existsSync(join(dataDir, 'db', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(dataDir, 'pglite'))).toBe(false);
    const [row] = await em(alpha).execute<{ schemas: string[] }[]>(
      `select array_agg(nspname::text order by nspname) as schemas from pg_namespace where nspname in ` +
        `('alpha', 'beta')`,
    );
    expect(row!.schemas).toEqual(['alpha', 'beta']);
  });

  it("never runs one subgraph's statements inside another's open transaction", async () => {
    const held = gate();
    const inserted = gate();
    // alpha opens a transaction, writes, and waits; then it fails and rolls back.
    const alphaWork = em(alpha)
      .transactional(async (tx) => {
        await insert(tx, 'alpha', 'rolled-back');
        inserted.open();
        await held.opened;
        throw new Error('alpha gives up');
      })
      .catch((error: Error) => error.message);
    await inserted.opened;
    // beta's transaction and a lone statement wait for alpha's turn to end, then commit on their own.
    let betaDone = false;
    const betaWork = em(beta)
      .transactional((tx) => insert(tx, 'beta', 'committed'))
      .then(() => insert(em(beta), 'beta', 'lone'))
      .then(() => (betaDone = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(betaDone).toBe(false);
    held.open();
    expect(await alphaWork).toBe('alpha gives up');
    await betaWork;
    expect(await ids(alpha, 'alpha')).toEqual([]);
    expect(await ids(beta, 'beta')).toEqual(['committed', 'lone']);
  });

  it('runs many concurrent transactions from both subgraphs to the end, none lost (no deadlock)', {
    timeout: 60_000,
  }, async () => {
    const work = (orm: Orm, schema: string, n: number) =>
      em(orm).transactional(async (tx) => {
        // Reads, yields to the event loop, then writes: the shape of a real service's transaction.
        await tx.execute(`select count(*) from ${schema}.notes`);
        await new Promise((resolve) => setImmediate(resolve));
        await insert(tx, schema, `many-${String(n).padStart(3, '0')}`);
      });
    let committed = 0;
    const all = Array.from({ length: 60 }, (_, n) =>
      work(n % 2 ? alpha : beta, n % 2 ? 'alpha' : 'beta', n).then(() => committed++),
    );
    await waitFor('every transaction to commit', () => committed === all.length, 30_000);
    expect((await ids(alpha, 'alpha')).filter((id) => id.startsWith('many-'))).toHaveLength(30);
    expect((await ids(beta, 'beta')).filter((id) => id.startsWith('many-'))).toHaveLength(30);
  });

  it('keeps using a subgraph database from before the shared one, so no data is left behind', {
    timeout: 60_000,
  }, async () => {
    const old = mkdtempSync(join(tmpdir(), 'peerlink-embedded-old-'));
    try {
      mkdirSync(join(old, 'pglite', 'alpha'), { recursive: true });
      const own = new PGlite(join(old, 'pglite', 'alpha'));
      await own.exec(
        `create schema alpha; create table alpha.notes (id text primary key); insert into alpha.notes values ` +
          `('from before')`,
      );
      await own.close();
      const orm = await open('alpha', old);
      try {
        expect(await ids(orm, 'alpha')).toEqual(['from before']);
        expect(existsSync(join(old, 'db'))).toBe(false);
      } finally {
        await orm.close(true);
      }
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });

  it('refuses a data directory another live process holds, naming it', async () => {
    const other = mkdtempSync(join(tmpdir(), 'peerlink-embedded-held-'));
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      mkdirSync(join(other, 'db'), { recursive: true });
      writeFileSync(join(other, 'db.lock'), String(holder.pid));
      await expect(open('alpha', other)).rejects.toThrow(
        `is in use by process ${holder.pid}; stop it or choose another DATA_DIR`,
      );
    } finally {
      holder.kill();
      rmSync(other, { recursive: true, force: true });
    }
  });
});
