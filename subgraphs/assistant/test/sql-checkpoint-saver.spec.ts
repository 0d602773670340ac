import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AIMessage, HumanMessage } from '@langchain/core/messages';
import { END, MessagesAnnotation, START, StateGraph } from '@langchain/langgraph';
import {
  type Checkpoint,
  type CheckpointMetadata,
  type CheckpointTuple,
  emptyCheckpoint,
  ERROR,
  uuid6,
} from '@langchain/langgraph-checkpoint';
import { Entity, PrimaryKey } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import type { EntityManager } from '@mikro-orm/postgresql';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Orm } from '@peerlink/platform/db/database';
import { createLogger } from '@peerlink/platform/logger';
import { checkpointTablesSql, SqlCheckpointSaver } from '#src/graph/sql-checkpoint-saver';

const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const SCHEMA = 'assistant';
const logger = createLogger({ level: 'silent', service: 'sql-checkpoint-saver-test' });

/**
 * MikroORM will not start without an entity; the saver itself uses none. Its decorators are called by hand: this
 * folder has no tsconfig of its own to switch on the legacy decorators MikroORM's are.
 */
class Note {
  id!: string;
}
PrimaryKey({ type: 'text' })(Note.prototype, 'id');
Entity({ tableName: 'notes' })(Note);

/** What the subgraph's own migration does with the tables. */
class Migration20270101000000_checkpoints extends Migration {
  override async up() {
    for (const sql of checkpointTablesSql(`"${this.config.get('schema')}"`)) this.addSql(sql);
  }
}

const databaseOptions = {
  name: SCHEMA,
  entities: [Note],
  migrations: [{ name: 'Migration20270101000000_checkpoints', class: Migration20270101000000_checkpoints }],
  logger,
};

interface Adapter {
  name: string;
  open(): Promise<{ orm: Orm; dispose(): Promise<void> }>;
}

const adapters: Adapter[] = [
  {
    name: 'PGlite',
    async open() {
      const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-checkpoints-'));
      const orm = await openDatabase({ ...databaseOptions, dataDir });
      await migrate(orm);
      return {
        orm,
        async dispose() {
          await orm.close(true);
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const database = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      await admin(`create database ${database}`);
      const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-checkpoints-'));
      const orm = await openDatabase({ ...databaseOptions, dataDir, databaseUrl: `${POSTGRES_URL}/${database}` });
      await migrate(orm);
      return {
        orm,
        async dispose() {
          await orm.close(true);
          await admin(`drop database if exists ${database} with (force)`);
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  },
];

async function admin(sql: string) {
  const client = new pg.Client({ connectionString: `${POSTGRES_URL}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A checkpoint as LangGraph makes them: ids from uuid6, increasing within the process. */
function checkpointWith(channelValues: Record<string, unknown> = {}): Checkpoint {
  return { ...emptyCheckpoint(), id: uuid6(-1), channel_values: channelValues, channel_versions: { messages: 1 } };
}

const metadataAt = (step: number, extra: Record<string, unknown> = {}): CheckpointMetadata => ({
  source: step < 0 ? 'input' : 'loop',
  step,
  parents: {},
  ...extra,
});

const ids = (tuples: CheckpointTuple[]) => tuples.map((tuple) => tuple.checkpoint.id);

async function collect(iterable: AsyncIterable<CheckpointTuple>) {
  const tuples: CheckpointTuple[] = [];
  for await (const tuple of iterable) tuples.push(tuple);
  return tuples;
}

describe.each(adapters)('SqlCheckpointSaver on $name', ({ open }) => {
  let orm: Orm;
  let dispose: () => Promise<void>;
  let saver: SqlCheckpointSaver;

  beforeAll(async () => {
    ({ orm, dispose } = await open());
    saver = new SqlCheckpointSaver(orm, SCHEMA);
  });
  afterAll(async () => {
    await dispose?.();
  });

  /** Saves `count` checkpoints on a thread, each the child of the one before; returns them oldest first. */
  async function history(threadId: string, count: number, checkpointNs = '') {
    const saved: Checkpoint[] = [];
    let config = { configurable: { thread_id: threadId, checkpoint_ns: checkpointNs } };
    for (let step = 0; step < count; step++) {
      const checkpoint = checkpointWith({ step });
      config = (await saver.put(config, checkpoint, metadataAt(step), {})) as typeof config;
      saved.push(checkpoint);
    }
    return saved;
  }

  const rowsOf = async (table: string, threadId: string) =>
    (
      await (orm.em.fork() as EntityManager).execute<{ count: string }[]>(
        `select count(*)::text as count from "${SCHEMA}".${table} where thread_id = ?`,
        [threadId],
      )
    )[0].count;

  it('gets back what it put, the latest or by id, with the parent and the metadata', async () => {
    const threadId = randomUUID();
    const bytes = new Uint8Array([0, 1, 2, 253, 254, 255]);
    const first = checkpointWith({ messages: [new HumanMessage('héllo ✓')], bytes, when: 'x'.repeat(10_000) });
    const firstConfig = await saver.put(
      { configurable: { thread_id: threadId } },
      first,
      metadataAt(-1, { user: "O'Brien?" }),
      {},
    );
    expect(firstConfig).toEqual({ configurable: { thread_id: threadId, checkpoint_ns: '', checkpoint_id: first.id } });
    const second = checkpointWith({ messages: [] });
    await saver.put(firstConfig, second, metadataAt(0), {});

    const latest = await saver.getTuple({ configurable: { thread_id: threadId } });
    expect(latest?.checkpoint).toEqual(second);
    expect(latest?.config).toEqual({
      configurable: { thread_id: threadId, checkpoint_ns: '', checkpoint_id: second.id },
    });
    expect(latest?.parentConfig).toEqual(firstConfig);
    expect(latest?.metadata).toEqual(metadataAt(0));
    expect(latest?.pendingWrites).toEqual([]);

    const byId = await saver.getTuple(firstConfig);
    expect(byId?.checkpoint).toEqual(first);
    expect(byId?.checkpoint.channel_values.messages).toEqual([new HumanMessage('héllo ✓')]);
    expect((byId!.checkpoint.channel_values.messages as unknown[])[0]).toBeInstanceOf(HumanMessage);
    expect(byId?.checkpoint.channel_values.bytes).toEqual(bytes);
    expect(byId?.metadata).toEqual(metadataAt(-1, { user: "O'Brien?" }));
    expect(byId?.parentConfig).toBeUndefined();
    // `get` is the base class's, on top of getTuple.
    expect(await saver.get(firstConfig)).toEqual(first);

    expect(await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_id: uuid6(-1) } })).toBeUndefined();
    expect(await saver.getTuple({ configurable: { thread_id: randomUUID() } })).toBeUndefined();
    expect(await saver.getTuple({ configurable: {} })).toBeUndefined();
  });

  it('replaces a checkpoint put again under the same id', async () => {
    const threadId = randomUUID();
    const checkpoint = checkpointWith({ version: 1 });
    const config = await saver.put({ configurable: { thread_id: threadId } }, checkpoint, metadataAt(0), {});
    await saver.put(
      { configurable: { thread_id: threadId } },
      { ...checkpoint, channel_values: { version: 2 } },
      metadataAt(1),
      {},
    );
    const tuple = await saver.getTuple(config);
    expect(tuple?.checkpoint.channel_values).toEqual({ version: 2 });
    expect(tuple?.metadata?.step).toBe(1);
    expect(await rowsOf('checkpoints', threadId)).toBe('1');
  });

  it('lists newest first, honouring limit, before and a metadata filter', async () => {
    const threadId = randomUUID();
    const [c0, c1, c2, c3] = await history(threadId, 4);
    const thread = { configurable: { thread_id: threadId } };

    expect(ids(await collect(saver.list(thread)))).toEqual([c3.id, c2.id, c1.id, c0.id]);
    expect(ids(await collect(saver.list(thread, { limit: 2 })))).toEqual([c3.id, c2.id]);
    expect(ids(await collect(saver.list(thread, { limit: 0 })))).toEqual([]);
    const beforeC2 = { configurable: { thread_id: threadId, checkpoint_id: c2.id } };
    expect(ids(await collect(saver.list(thread, { before: beforeC2 })))).toEqual([c1.id, c0.id]);
    expect(ids(await collect(saver.list(thread, { before: beforeC2, limit: 1 })))).toEqual([c1.id]);
    expect(ids(await collect(saver.list(thread, { filter: { step: 2 } })))).toEqual([c2.id]);
    expect(ids(await collect(saver.list(thread, { filter: { source: 'loop', step: 9 } })))).toEqual([]);
    expect(ids(await collect(saver.list(thread, { filter: { source: 'loop' }, limit: 3 })))).toEqual([
      c3.id,
      c2.id,
      c1.id,
    ]);
    // A key asked to be undefined must be absent, as in MemorySaver.
    expect(ids(await collect(saver.list(thread, { filter: { source: 'loop', absent: undefined } })))).toHaveLength(4);
    expect(ids(await collect(saver.list(thread, { filter: { source: undefined } })))).toEqual([]);
    expect(ids(await collect(saver.list({ configurable: { ...thread.configurable, checkpoint_id: c1.id } })))).toEqual([
      c1.id,
    ]);

    const [listed] = await collect(saver.list(thread, { limit: 1 }));
    expect(listed.parentConfig).toEqual({
      configurable: { thread_id: threadId, checkpoint_ns: '', checkpoint_id: c2.id },
    });
    expect(listed.metadata).toEqual(metadataAt(3));
  });

  it('lists a history longer than one page without losing or repeating a checkpoint', async () => {
    const threadId = randomUUID();
    const saved = await history(threadId, 53);
    const newestFirst = saved.map((checkpoint) => checkpoint.id).reverse();
    const thread = { configurable: { thread_id: threadId } };
    expect(ids(await collect(saver.list(thread)))).toEqual(newestFirst);
    expect(ids(await collect(saver.list(thread, { limit: 51 })))).toEqual(newestFirst.slice(0, 51));
    expect(ids(await collect(saver.list(thread, { filter: { source: 'loop' } })))).toEqual(newestFirst);
  });

  it('returns putWrites as pending writes, in the order LangGraph applies them', async () => {
    const threadId = randomUUID();
    const [checkpoint] = await history(threadId, 1);
    const config = { configurable: { thread_id: threadId, checkpoint_ns: '', checkpoint_id: checkpoint.id } };

    // Saved in another order than LangGraph applies them: by task path first, then task id, then index.
    await saver.putWrites(config, [['count', 1]], 'task-a', '~1:tools');
    await saver.putWrites(
      config,
      [
        ['messages', [new AIMessage('hi')]],
        ['count', 2],
      ],
      'task-z',
      '~0:reply',
    );
    // A regular write saved again keeps its first value; a special one (an error) is replaced.
    await saver.putWrites(config, [['messages', 'ignored']], 'task-z', '~0:reply');
    await saver.putWrites(config, [[ERROR, { message: 'first' }]], 'task-c', '~2:notes');
    await saver.putWrites(config, [[ERROR, { message: 'second' }]], 'task-c', '~2:notes');
    await saver.putWrites(config, [], 'task-d');
    // Bytes are stored as the serializer's "bytes" type, not as JSON.
    await saver.putWrites(config, [['blob', new Uint8Array([0, 7, 255])]], 'task-e', '~3:files');

    const tuple = await saver.getTuple(config);
    expect(tuple?.pendingWrites).toEqual([
      ['task-z', 'messages', [new AIMessage('hi')]],
      ['task-z', 'count', 2],
      ['task-a', 'count', 1],
      ['task-c', ERROR, { message: 'second' }],
      ['task-e', 'blob', expect.any(Uint8Array)],
    ]);
    expect(Array.from(tuple!.pendingWrites![4][2] as Uint8Array)).toEqual([0, 7, 255]);
    expect((tuple!.pendingWrites![0][2] as unknown[])[0]).toBeInstanceOf(AIMessage);
    expect((await collect(saver.list({ configurable: { thread_id: threadId } })))[0].pendingWrites).toEqual(
      tuple?.pendingWrites,
    );
    await expect(saver.putWrites({ configurable: { thread_id: threadId } }, [['count', 3]], 'task-e')).rejects.toThrow(
      /checkpoint_id/,
    );
  });

  it('keeps threads and namespaces apart', async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    const [aliceCheckpoint] = await history(alice, 1);
    const [bobCheckpoint] = await history(bob, 1);
    const [childCheckpoint] = await history(alice, 1, 'child:1');
    await saver.putWrites(
      { configurable: { thread_id: alice, checkpoint_ns: '', checkpoint_id: aliceCheckpoint.id } },
      [['count', 1]],
      'task',
    );

    expect((await saver.getTuple({ configurable: { thread_id: alice } }))?.checkpoint.id).toBe(aliceCheckpoint.id);
    expect(
      (await saver.getTuple({ configurable: { thread_id: alice, checkpoint_ns: 'child:1' } }))?.checkpoint.id,
    ).toBe(childCheckpoint.id);
    const bobsTuple = await saver.getTuple({ configurable: { thread_id: bob } });
    expect(bobsTuple?.checkpoint.id).toBe(bobCheckpoint.id);
    expect(bobsTuple?.pendingWrites).toEqual([]);
    // By id, a checkpoint is found only on its own thread.
    expect(
      await saver.getTuple({ configurable: { thread_id: bob, checkpoint_id: aliceCheckpoint.id } }),
    ).toBeUndefined();

    expect(ids(await collect(saver.list({ configurable: { thread_id: alice } })))).toEqual([
      childCheckpoint.id,
      aliceCheckpoint.id,
    ]);
    expect(ids(await collect(saver.list({ configurable: { thread_id: alice, checkpoint_ns: '' } })))).toEqual([
      aliceCheckpoint.id,
    ]);
    expect(ids(await collect(saver.list({ configurable: { thread_id: bob } })))).toEqual([bobCheckpoint.id]);
    // Without a thread, every thread's, newest first.
    const everything = ids(await collect(saver.list({})));
    expect(everything.indexOf(childCheckpoint.id)).toBeLessThan(everything.indexOf(bobCheckpoint.id));
    expect(everything.indexOf(bobCheckpoint.id)).toBeLessThan(everything.indexOf(aliceCheckpoint.id));
  });

  it('deletes a thread’s checkpoints and writes in every namespace, and nothing else', async () => {
    const [doomed, kept] = [randomUUID(), randomUUID()];
    for (const threadId of [doomed, kept]) {
      for (const namespace of ['', 'child:1']) {
        const [checkpoint] = await history(threadId, 2, namespace);
        const config = {
          configurable: { thread_id: threadId, checkpoint_ns: namespace, checkpoint_id: checkpoint.id },
        };
        await saver.putWrites(config, [['count', 1]], 'task');
      }
    }
    await saver.deleteThread(doomed);

    expect(await saver.getTuple({ configurable: { thread_id: doomed } })).toBeUndefined();
    expect(await collect(saver.list({ configurable: { thread_id: doomed } }))).toEqual([]);
    expect(await rowsOf('checkpoints', doomed)).toBe('0');
    expect(await rowsOf('checkpoint_writes', doomed)).toBe('0');
    expect(await collect(saver.list({ configurable: { thread_id: kept } }))).toHaveLength(4);
    expect(await rowsOf('checkpoint_writes', kept)).toBe('2');
  });

  it('keeps only a thread’s latest checkpoint when compacted, its state intact, other threads untouched', async () => {
    const [compacted, kept] = [randomUUID(), randomUUID()];
    const saved = await history(compacted, 3);
    await history(kept, 3);
    const latest = saved.at(-1)!;
    const config = { configurable: { thread_id: compacted, checkpoint_ns: '', checkpoint_id: saved[0]!.id } };
    await saver.putWrites(config, [['count', 1]], 'task');
    await saver.keepLatest(compacted);

    expect(await rowsOf('checkpoints', compacted)).toBe('1');
    expect(await rowsOf('checkpoint_writes', compacted)).toBe('0');
    expect((await saver.getTuple({ configurable: { thread_id: compacted } }))?.checkpoint.id).toBe(latest.id);
    expect(await rowsOf('checkpoints', kept)).toBe('3');
  });

  it('serves concurrent runs, each call on its own entity manager', async () => {
    const threads = Array.from({ length: 12 }, () => randomUUID());
    const histories = await Promise.all(threads.map((threadId) => history(threadId, 3)));
    const latest = await Promise.all(
      threads.map((threadId) => saver.getTuple({ configurable: { thread_id: threadId } })),
    );
    expect(latest.map((tuple) => tuple?.checkpoint.id)).toEqual(histories.map((saved) => saved[2].id));
    await Promise.all(threads.map((threadId) => saver.deleteThread(threadId)));
    expect(await Promise.all(threads.map((threadId) => rowsOf('checkpoints', threadId)))).toEqual(
      threads.map(() => '0'),
    );
  });

  it('persists a LangGraph run’s state per thread, for a saver opened afterwards', async () => {
    const compile = () =>
      new StateGraph(MessagesAnnotation)
        .addNode('reply', (state) => ({ messages: [new AIMessage(`reply to ${state.messages.length} messages`)] }))
        .addEdge(START, 'reply')
        .addEdge('reply', END)
        .compile({ checkpointer: new SqlCheckpointSaver(orm, SCHEMA) });
    const contents = (state: typeof MessagesAnnotation.State) => state.messages.map((message) => message.content);
    const [thread, otherThread] = [randomUUID(), randomUUID()].map((id) => ({ configurable: { thread_id: id } }));

    const first = await compile().invoke({ messages: [new HumanMessage('hello')] }, thread);
    expect(contents(first)).toEqual(['hello', 'reply to 1 messages']);

    // A new graph and saver, as after a restart: only the database remembers the first run.
    const second = await compile().invoke({ messages: [new HumanMessage('again')] }, thread);
    expect(contents(second)).toEqual(['hello', 'reply to 1 messages', 'again', 'reply to 3 messages']);
    expect(second.messages[1]).toBeInstanceOf(AIMessage);

    const other = await compile().invoke({ messages: [new HumanMessage('hi')] }, otherThread);
    expect(contents(other)).toEqual(['hi', 'reply to 1 messages']);

    const graph = compile();
    expect(contents((await graph.getState(thread)).values as typeof MessagesAnnotation.State)).toEqual(
      contents(second),
    );
    const history: unknown[] = [];
    for await (const snapshot of graph.getStateHistory(thread)) history.push(snapshot);
    // Each run saves its input, the step before `reply` and the step after it.
    expect(history).toHaveLength(6);
  });
});
