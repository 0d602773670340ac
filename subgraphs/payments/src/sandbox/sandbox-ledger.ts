import type { Orm } from '@peerlink/platform/db/database';
import { rows, table } from '@peerlink/platform/db/sql';

/**
 * Where the sandbox keeps what a real processor keeps on its side (charges, saved cards,
 * subscriptions, answers by idempotency key): in memory for tests, or in the payments database in
 * embedded mode, so a restart of `npm start` does not forget cards it saved or payments it can
 * refund, as Stripe would not.
 */
export interface SandboxLedger {
  map<V>(kind: string): DurableMap<V>;
  /** Resolves once every change made so far is stored. */
  settled(): Promise<void>;
}

/** A Map that writes through to its ledger. A value changed in place is written again with `touch`. */
export class DurableMap<V> {
  constructor(
    private readonly entries: Map<string, V>,
    private readonly write: (key: string, value: V | undefined) => void,
  ) {}

  get(key: string): V | undefined {
    return this.entries.get(key);
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, value: V): this {
    this.entries.set(key, value);
    this.write(key, value);
    return this;
  }

  delete(key: string): boolean {
    const had = this.entries.delete(key);
    if (had) this.write(key, undefined);
    return had;
  }

  /** Stores again a value that was changed in place. */
  touch(key: string): void {
    const value = this.entries.get(key);
    if (value !== undefined) this.write(key, value);
  }

  values(): IterableIterator<V> {
    return this.entries.values();
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Answers by idempotency key, with the request that got them; a remembered refusal as its message. */
export type Answers<T> = DurableMap<{ request: string; answer?: T; refused?: string }>;

/**
 * As Stripe keeps its idempotency promise: the first answer to a key is the answer to every repeat
 * of the same request, and reusing the key for another request is an error. Refusals of the class
 * `Refusal`, when given, are remembered too, as Stripe saves whatever it answered: a retry after
 * the cause is fixed takes a new key.
 */
export function answerOnce<T>(
  answers: Answers<T> | Answers<unknown>,
  key: string,
  request: object,
  make: () => T,
  Refusal?: new (message: string) => Error,
): T {
  const fingerprint = JSON.stringify(request);
  const earlier = answers.get(key);
  if (earlier) {
    if (earlier.request !== fingerprint)
      throw new Error(
        'Keys for idempotent requests can only be used with the same parameters they were first used with.',
      );
    if (earlier.refused !== undefined && Refusal) throw new Refusal(earlier.refused);
    return earlier.answer as T;
  }
  try {
    const answer = make();
    answers.set(key, { request: fingerprint, answer });
    return answer;
  } catch (error) {
    if (Refusal && error instanceof Refusal) answers.set(key, { request: fingerprint, refused: error.message });
    throw error;
  }
}

export class MemoryLedger implements SandboxLedger {
  map<V>(): DurableMap<V> {
    return new DurableMap(new Map(), () => {});
  }

  async settled() {}
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Dates went in as dates (a subscription's period end); they come back as dates. */
const revive = (_key: string, value: unknown) =>
  typeof value === 'string' && ISO_DATE.test(value) ? new Date(value) : value;

/** The ledger in payments' own database (`sandbox_records`), one row per entry, written in order after each change. */
export class DatabaseLedger implements SandboxLedger {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly orm: Orm,
    private readonly loaded: Map<string, Map<string, unknown>>,
  ) {}

  static async open(orm: Orm): Promise<DatabaseLedger> {
    const em = orm.em.fork();
    const found = await rows<{ kind: string; key: string; value: string }>(
      em as never,
      `select kind, key, value::text as value from ${table(em as never, 'sandbox_records')}`,
    );
    const loaded = new Map<string, Map<string, unknown>>();
    for (const { kind, key, value } of found) {
      if (!loaded.has(kind)) loaded.set(kind, new Map());
      loaded.get(kind)!.set(key, JSON.parse(value, revive));
    }
    return new DatabaseLedger(orm, loaded);
  }

  map<V>(kind: string): DurableMap<V> {
    const entries = (this.loaded.get(kind) ?? new Map()) as Map<string, V>;
    return new DurableMap(entries, (key, value) =>
      this.enqueue(kind, key, value === undefined ? undefined : JSON.stringify(value)),
    );
  }

  settled(): Promise<void> {
    return this.writing;
  }

  private enqueue(kind: string, key: string, json: string | undefined) {
    const write = async () => {
      const em = this.orm.em.fork();
      const records = table(em as never, 'sandbox_records');
      if (json === undefined)
        await em.getConnection().execute(`delete from ${records} where kind = ? and key = ?`, [kind, key]);
      else
        await em
          .getConnection()
          .execute(
            `insert into ${records} (kind, key, value) values (?, ?, ?::jsonb) on conflict (kind, key) do ` +
              `update set value = excluded.value`,
            [kind, key, json],
          );
    };
    // In order, so the last change to a key is the one stored; a failure does not stop the ones after it.
    this.writing = this.writing.then(write, write);
  }
}
