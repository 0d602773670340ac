import type { RunnableConfig } from '@langchain/core/runnables';
import {
  BaseCheckpointSaver,
  type ChannelVersions,
  type Checkpoint,
  type CheckpointListOptions,
  type CheckpointMetadata,
  type CheckpointPendingWrite,
  type CheckpointTuple,
  compareWritesSortKeys,
  copyCheckpoint,
  getCheckpointId,
  type PendingWrite,
  WRITES_IDX_MAP,
  writesSortKey,
} from '@langchain/langgraph-checkpoint';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';

/** Rows `list` reads at a time: a long history is never loaded whole, and a reader that stops early reads no more. */
const PAGE_SIZE = 50;

/**
 * The tables, for the subgraph's migration; `schema` comes quoted. Keys compare bytewise (`collate "C"`) so
 * `checkpoint_id` (a UUIDv6, time-ordered as text) sorts the same whatever the database's locale. The primary keys
 * serve every lookup (a thread's checkpoints, newest first; a checkpoint's writes), so there are no other indexes.
 */
export function checkpointTablesSql(schema: string): string[] {
  return [
    `create table if not exists ${schema}.checkpoints (
      thread_id text collate "C" not null,
      checkpoint_ns text collate "C" not null default '',
      checkpoint_id text collate "C" not null,
      parent_checkpoint_id text collate "C",
      checkpoint_type text not null,
      checkpoint bytea not null,
      metadata jsonb not null,
      primary key (thread_id, checkpoint_ns, checkpoint_id)
    )`,
    `create table if not exists ${schema}.checkpoint_writes (
      thread_id text collate "C" not null,
      checkpoint_ns text collate "C" not null default '',
      checkpoint_id text collate "C" not null,
      task_id text collate "C" not null,
      idx integer not null,
      channel text not null,
      task_path text not null default '',
      value_type text not null,
      value bytea not null,
      primary key (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
    )`,
  ];
}

interface CheckpointRow {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  parent_checkpoint_id: string | null;
  checkpoint_type: string;
  checkpoint: Uint8Array;
  /** As text: the serializer revives what it wrote from JSON text. */
  metadata: string;
}

interface WriteRow {
  thread_id: string;
  checkpoint_ns: string;
  checkpoint_id: string;
  task_id: string;
  idx: number;
  channel: string;
  task_path: string;
  value_type: string;
  value: Uint8Array;
}

/**
 * LangGraph's checkpointer on the subgraph's own database, through MikroORM, so it runs the same on PostgreSQL and
 * on embedded mode's PGlite (LangGraph's own Postgres saver needs `pg`). A checkpoint is stored whole, as the
 * serializer's type and bytes; metadata as jsonb, so `list` filters in SQL. Each call uses its own fork of the
 * entity manager, so concurrent runs share nothing but the connection pool.
 */
export class SqlCheckpointSaver extends BaseCheckpointSaver {
  private readonly checkpoints: string;
  private readonly writes: string;

  constructor(
    private readonly orm: MikroORM,
    schema: string,
  ) {
    super();
    this.checkpoints = `"${schema}".checkpoints`;
    this.writes = `"${schema}".checkpoint_writes`;
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    const threadId = config.configurable?.thread_id;
    if (threadId === undefined) return undefined;
    const key = {
      thread_id: threadId,
      checkpoint_ns: config.configurable?.checkpoint_ns ?? '',
      checkpoint_id: getCheckpointId(config) || undefined,
    };
    for await (const tuple of this.list({ configurable: key }, { limit: 1 })) return tuple;
    return undefined;
  }

  /** Newest first; without a thread_id (or checkpoint_ns), across all of them. */
  async *list(config: RunnableConfig, options: CheckpointListOptions = {}): AsyncGenerator<CheckpointTuple> {
    const { before, limit, filter } = options;
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (condition: string, ...values: unknown[]) => {
      conditions.push(condition);
      params.push(...values);
    };
    const threadId = config.configurable?.thread_id;
    if (threadId !== undefined) where('thread_id = ?', String(threadId));
    const namespace = config.configurable?.checkpoint_ns;
    if (namespace !== undefined) where('checkpoint_ns = ?', namespace);
    const checkpointId = getCheckpointId(config);
    if (checkpointId) where('checkpoint_id = ?', checkpointId);
    const beforeId = before ? getCheckpointId(before) : '';
    if (beforeId) where('checkpoint_id < ?', beforeId);
    // Equality per key, as MemorySaver's `metadata[key] === value`; a key asked to be undefined must be absent.
    for (const [key, value] of Object.entries(filter ?? {})) {
      if (value === undefined) where('metadata -> ? is null', key);
      else where('metadata -> ? = ?::jsonb', key, JSON.stringify(value));
    }

    const em = this.em();
    let remaining = limit ?? Number.POSITIVE_INFINITY;
    let last: CheckpointRow | undefined;
    while (remaining > 0) {
      const pageSize = Math.min(remaining, PAGE_SIZE);
      const after = last ? ['(checkpoint_id, thread_id, checkpoint_ns) < (?, ?, ?)'] : [];
      const rows = await em.execute<CheckpointRow[]>(
        `select thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint_type, checkpoint,
           metadata::text as metadata
         from ${this.checkpoints}
         where ${[...conditions, ...after].join(' and ') || 'true'}
         order by checkpoint_id desc, thread_id desc, checkpoint_ns desc
         limit ?`,
        [...params, ...(last ? [last.checkpoint_id, last.thread_id, last.checkpoint_ns] : []), pageSize],
      );
      const pendingWrites = await this.pendingWritesOf(em, rows);
      for (const row of rows) yield await this.tupleOf(row, pendingWrites.get(keyOf(row)) ?? []);
      if (rows.length < pageSize) return;
      remaining -= rows.length;
      last = rows.at(-1);
    }
  }

  async put(
    config: RunnableConfig,
    checkpoint: Checkpoint,
    metadata: CheckpointMetadata,
    _newVersions: ChannelVersions,
  ): Promise<RunnableConfig> {
    const threadId = config.configurable?.thread_id;
    if (threadId === undefined) throw new Error('Cannot save a checkpoint without configurable.thread_id');
    const key = {
      thread_id: String(threadId),
      checkpoint_ns: config.configurable?.checkpoint_ns ?? '',
      checkpoint_id: checkpoint.id,
    };
    const [[checkpointType, checkpointBytes], [, metadataBytes]] = await Promise.all([
      this.serde.dumpsTyped(copyCheckpoint(checkpoint)),
      this.serde.dumpsTyped(metadata),
    ]);
    // jsonb cannot hold a NUL character; LangGraph's metadata (source, step, parents, run ids) never has one.
    await this.em().execute(
      `insert into ${this.checkpoints}
         (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint_type, checkpoint, metadata)
       values (?, ?, ?, ?, ?, ?, ?::jsonb)
       on conflict (thread_id, checkpoint_ns, checkpoint_id) do update set
         checkpoint_type = excluded.checkpoint_type, checkpoint = excluded.checkpoint, metadata = excluded.metadata`,
      [
        key.thread_id,
        key.checkpoint_ns,
        key.checkpoint_id,
        config.configurable?.checkpoint_id ?? null,
        checkpointType,
        asBuffer(checkpointBytes),
        new TextDecoder().decode(metadataBytes),
      ],
    );
    return { configurable: key };
  }

  async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath = ''): Promise<void> {
    const threadId = config.configurable?.thread_id;
    const checkpointId = config.configurable?.checkpoint_id;
    if (threadId === undefined || checkpointId === undefined) {
      throw new Error('Cannot save writes without configurable.thread_id and checkpoint_id');
    }
    const namespace = config.configurable?.checkpoint_ns ?? '';
    // Special channels (errors, interrupts, resumes) have one fixed index each: written twice in one call, the last
    // stays (PostgreSQL would refuse to update one row twice in a statement).
    const rows = new Map<number, unknown[]>();
    for (const [position, [channel, value]] of writes.entries()) {
      const idx = WRITES_IDX_MAP[channel] ?? position;
      const [valueType, bytes] = await this.serde.dumpsTyped(value);
      rows.set(idx, [
        String(threadId),
        namespace,
        checkpointId,
        taskId,
        idx,
        channel,
        taskPath,
        valueType,
        asBuffer(bytes),
      ]);
    }
    if (rows.size === 0) return;
    // As MemorySaver: a task's regular writes stay as first saved (a retry must not change what the next step
    // read); its special ones are replaced.
    await this.em().execute(
      `insert into ${this.writes}
         (thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, task_path, value_type, value)
       values ${[...rows.values()].map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}
       on conflict (thread_id, checkpoint_ns, checkpoint_id, task_id, idx) do update set
         channel = excluded.channel, task_path = excluded.task_path, value_type = excluded.value_type,
         value = excluded.value
       where excluded.idx < 0`,
      [...rows.values()].flat(),
    );
  }

  async deleteThread(threadId: string): Promise<void> {
    await this.em().transactional(async (em) => {
      await em.execute(`delete from ${this.writes} where thread_id = ?`, [String(threadId)]);
      await em.execute(`delete from ${this.checkpoints} where thread_id = ?`, [String(threadId)]);
    });
  }

  /**
   * Keeps only the thread's latest checkpoint (and its writes): every checkpoint holds the whole state, so a
   * thread's storage would otherwise grow with the square of its length. Its history is then gone; its
   * state is not.
   */
  async keepLatest(threadId: string): Promise<void> {
    await this.em().transactional(async (em) => {
      const older = `thread_id = ? and checkpoint_ns = '' and checkpoint_id < (select max(checkpoint_id) from
        ${this.checkpoints} where thread_id = ? and checkpoint_ns = '')`;
      const id = String(threadId);
      await em.execute(`delete from ${this.writes} where ${older}`, [id, id]);
      await em.execute(`delete from ${this.checkpoints} where ${older}`, [id, id]);
    });
  }

  private em(): EntityManager {
    return this.orm.em.fork();
  }

  /** The listed checkpoints' writes, by checkpoint, in the order LangGraph applies them (`writesSortKey`). */
  private async pendingWritesOf(em: EntityManager, checkpoints: CheckpointRow[]) {
    const byCheckpoint = new Map<string, CheckpointPendingWrite[]>();
    if (checkpoints.length === 0) return byCheckpoint;
    const rows = await em.execute<WriteRow[]>(
      `select thread_id, checkpoint_ns, checkpoint_id, task_id, idx, channel, task_path, value_type, value
       from ${this.writes}
       where (thread_id, checkpoint_ns, checkpoint_id) in (${checkpoints.map(() => '(?, ?, ?)').join(', ')})`,
      checkpoints.flatMap((row) => [row.thread_id, row.checkpoint_ns, row.checkpoint_id]),
    );
    const sortKey = (row: WriteRow) => writesSortKey(row.task_path, row.task_id, row.idx);
    rows.sort((a, b) => compareWritesSortKeys(sortKey(a), sortKey(b)));
    for (const row of rows) {
      const write: CheckpointPendingWrite = [
        row.task_id,
        row.channel,
        await this.serde.loadsTyped(row.value_type, row.value),
      ];
      const key = keyOf(row);
      if (!byCheckpoint.has(key)) byCheckpoint.set(key, []);
      byCheckpoint.get(key)!.push(write);
    }
    return byCheckpoint;
  }

  private async tupleOf(row: CheckpointRow, pendingWrites: CheckpointPendingWrite[]): Promise<CheckpointTuple> {
    const { thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id } = row;
    const tuple: CheckpointTuple = {
      config: { configurable: { thread_id, checkpoint_ns, checkpoint_id } },
      checkpoint: await this.serde.loadsTyped(row.checkpoint_type, row.checkpoint),
      metadata: await this.serde.loadsTyped('json', row.metadata),
      pendingWrites,
    };
    if (parent_checkpoint_id) {
      tuple.parentConfig = { configurable: { thread_id, checkpoint_ns, checkpoint_id: parent_checkpoint_id } };
    }
    return tuple;
  }
}

const keyOf = (row: { thread_id: string; checkpoint_ns: string; checkpoint_id: string }) =>
  JSON.stringify([row.thread_id, row.checkpoint_ns, row.checkpoint_id]);

/**
 * MikroORM writes parameters into the SQL text, and writes bytea only from a Buffer's hex (a plain Uint8Array would
 * come out as "1,2,3"); this wraps the serializer's bytes without copying them.
 */
const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
