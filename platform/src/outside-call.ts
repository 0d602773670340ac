import type { EntityManager } from '@mikro-orm/postgresql';
import { Repeating } from './background/repeating.js';
import type { Config } from './config.js';
import { rows, table } from './db/sql.js';
import type { EventMap } from './events/event-bus.js';
import type { Outbox, Publish } from './events/outbox.js';
import type { Logger } from './logger.js';

/**
 * Calls to outside services (a payment provider, mail, SMS) never run while a transaction holds a
 * connection and row locks. Each call goes in three steps:
 *   1. claim: a row in `outside_calls`, under a key naming the call (`charge:<paymentId>`), written
 *      in the caller's short transaction beside whatever else it changes, and committed;
 *   2. call: the service, with no transaction open and a deadline (OUTSIDE_CALL_DEADLINE_MS);
 *   3. record: a second transaction locks the row and applies the answer (`record`), once: whoever
 *      records first (the caller or the sweeper) wins, a later answer to the same call is dropped.
 * A call that failed without a definite answer (deadline, network, the service's outage) or whose
 * process crashed between 2 and 3 stays claimed; the sweeper asks again once the claim has expired,
 * with the same request, whose idempotency key makes the service answer as the first time.
 */
export interface OutsideCallKind<Request, Answer, Events extends EventMap> {
  /**
   * Makes the call. Definite refusals (a declined card, more refunded than is left) are answers,
   * returned as values; throwing means "the outcome is unknown": the claim stays for a retry.
   */
  call(request: Request, signal: AbortSignal): Promise<Answer>;
  /**
   * Applies an answer, in the transaction that marks the call done; returns what the row keeps of
   * it (ids, statuses: nothing secret, as rows outlive the call).
   */
  record(
    em: EntityManager,
    publish: Publish<Events>,
    request: Request,
    answer: Answer,
    afterCommit: AfterCommit,
  ): Promise<Json>;
  /** The last try failed too (OUTSIDE_CALL_MAX_ATTEMPTS): what the domain does with a call it gives up on. */
  abandon?(em: EntityManager, publish: Publish<Events>, request: Request, error: string): Promise<void>;
}

/** Work for once the recording transaction has committed: outside calls the answer led to claim. */
export type AfterCommit = (work: () => Promise<unknown>) => void;

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface OutsideCallSettings {
  /** A call not answered within this is abandoned for now (the sweeper asks again). */
  deadlineMs: number;
  /** How often the sweeper looks for claims left behind. */
  sweepMs: number;
  /** Tries, the first included, after which a call is given up (`abandon`). */
  maxAttempts: number;
  /** Finished rows are kept this long (for audit and late duplicates), then pruned. */
  retentionMs: number;
}

/** How a run ended: recorded (by this run or an earlier one), or left claimed for the sweeper. */
export type RunOutcome =
  | { state: 'done'; result: Json }
  | { state: 'failed'; error: string }
  | { state: 'claimed'; error: string };

interface CallRow {
  key: string;
  kind: string;
  request: unknown;
  state: 'claimed' | 'done' | 'failed';
  attempts: number;
  claimed_at: Date;
  result: Json;
  last_error: string | null;
}

/**
 * How long after its claim a call may be taken over: the deadline (the claimer has given up by
 * then), plus a back-off that doubles with each attempt (a service that is down is not hammered),
 * up to an hour.
 */
export function takeOverAfterMs(
  attempts: number,
  settings: Pick<OutsideCallSettings, 'deadlineMs' | 'sweepMs'>,
): number {
  const backoff = Math.min(settings.sweepMs * 2 ** Math.max(attempts - 1, 0), 3_600_000);
  return settings.deadlineMs + backoff;
}

/** `work` with a deadline: rejects with `DeadlineExceeded` when it passes, and aborts `work`'s signal. */
export async function withDeadline<T>(deadlineMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineExceeded(deadlineMs);
      controller.abort(error);
      reject(error);
    }, deadlineMs);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

export class DeadlineExceeded extends Error {
  override name = 'DeadlineExceeded';
  constructor(readonly deadlineMs: number) {
    super(`No answer within ${deadlineMs} ms`);
  }
}

/** Calls one sweep makes at once: fewer than the ten connections of a pool, as each records in a transaction. */
const SWEEP_CONCURRENCY = 8;

/** One subgraph's outside calls: kinds registered at start, one sweeper. */
export class OutsideCalls<Events extends EventMap> {
  private readonly kinds = new Map<string, OutsideCallKind<unknown, unknown, Events>>();
  private readonly sweeper: Repeating;

  constructor(
    private readonly outbox: Outbox<Events>,
    private readonly settings: OutsideCallSettings,
    private readonly logger: Logger,
  ) {
    this.sweeper = new Repeating('outside-call sweep', settings.sweepMs, () => this.sweep(), logger);
  }

  /** A kind of call (`charge`, `refund`…): its keys are `<name>:<id>`. */
  kind<Request, Answer>(name: string, kind: OutsideCallKind<Request, Answer, Events>): OutsideCall<Request> {
    if (this.kinds.has(name)) throw new Error(`Outside call kind ${name} is registered twice`);
    this.kinds.set(name, kind as OutsideCallKind<unknown, unknown, Events>);
    return new OutsideCall<Request>(name, this as unknown as OutsideCalls<EventMap>);
  }

  start(): this {
    this.sweeper.start();
    return this;
  }

  stop(): Promise<void> {
    return this.sweeper.stop();
  }

  /**
   * @internal Claims `key` in the caller's transaction; false when it was claimed already (by this request earlier, or
   * another).
   */
  async claim(em: EntityManager, kind: string, key: string, request: unknown): Promise<boolean> {
    const claimed = await rows(
      em,
      `insert into ${table(em, 'outside_calls')} (key, kind, request, state) values (?, ?, ?, 'claimed') on ` +
        `conflict (key) do nothing returning key`,
      [key, kind, JSON.stringify(request)],
    );
    return claimed.length > 0;
  }

  /** @internal The row of a call, read in `em` (a transaction's, to see its own claim). */
  async find(em: EntityManager, key: string): Promise<CallRow | null> {
    const [row] = await rows<CallRow>(em, `select * from ${table(em, 'outside_calls')} where key = ?`, [key]);
    return row ?? null;
  }

  /**
   * Makes a claimed call and records its answer; with no transaction open (a run inside one would
   * hold it across the call). A call already finished gives its recorded outcome without calling.
   */
  async run(key: string): Promise<RunOutcome> {
    if (this.em.getContext(false).isInTransaction())
      throw new Error(`Outside call ${key} would run inside a transaction: run it after commit`);
    const em = this.em.fork();
    const row = await this.find(em, key);
    if (!row) throw new Error(`No outside call ${key} was claimed`);
    return this.attempt(row);
  }

  /** @internal See OutsideCall.settled. */
  async settled(key: string): Promise<RunOutcome> {
    const until = Date.now() + this.settings.deadlineMs + 1000;
    for (;;) {
      const row = await this.find(this.em.fork(), key);
      if (!row) throw new Error(`No outside call ${key} was claimed`);
      if (row.state === 'done') return { state: 'done', result: row.result };
      if (row.state === 'failed') return { state: 'failed', error: row.last_error ?? '' };
      if (Date.now() >= until) return { state: 'claimed', error: row.last_error ?? 'no answer yet' };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * Claims left behind (deadline passed, crash between call and record) are taken over and asked
   * again; finished rows past retention are pruned. Returns how many calls were recorded.
   */
  async sweep(): Promise<number> {
    const em = this.em.fork();
    const { deadlineMs, sweepMs, maxAttempts, retentionMs } = this.settings;
    // Taken over in one statement: of two sweepers (two processes), one gets each row.
    const taken = await rows<CallRow>(
      em,
      `update ${table(em, 'outside_calls')} set attempts = attempts + 1, claimed_at = now()
       where key in (
         select key from ${table(em, 'outside_calls')}
         where state = 'claimed' and claimed_at < now() - (? + least(? * power(2, greatest(attempts - 1, 0)), 3600000))
           * interval '1 millisecond'
         order by claimed_at limit 50 for update skip locked)
       returning *`,
      [deadlineMs, sweepMs],
    );
    // A few at once: one at a time, calls to a service that hangs would take a deadline each.
    let recorded = 0;
    for (let i = 0; i < taken.length; i += SWEEP_CONCURRENCY) {
      const outcomes = await Promise.all(
        taken
          .slice(i, i + SWEEP_CONCURRENCY)
          .map((row) => (row.attempts > maxAttempts ? this.giveUp(row) : this.attempt(row))),
      );
      recorded += outcomes.filter((outcome) => outcome.state !== 'claimed').length;
    }
    await em.execute(
      `delete from ${table(em, 'outside_calls')} where state <> 'claimed' and finished_at < now() - ? * ` +
        `interval '1 millisecond'`,
      [retentionMs],
    );
    return recorded;
  }

  private get em(): EntityManager {
    return this.outbox.orm.em as EntityManager;
  }

  private kindOf(row: CallRow) {
    const kind = this.kinds.get(row.kind);
    if (!kind) throw new Error(`Outside call ${row.key} is of unknown kind ${row.kind}`);
    return kind;
  }

  private async attempt(row: CallRow): Promise<RunOutcome> {
    if (row.state === 'done') return { state: 'done', result: row.result };
    if (row.state === 'failed') return { state: 'failed', error: row.last_error ?? '' };
    const kind = this.kindOf(row);
    let answer: unknown;
    try {
      answer = await withDeadline(this.settings.deadlineMs, (signal) => kind.call(row.request, signal));
    } catch (err) {
      const error = String((err as Error)?.message ?? err);
      this.logger.warn(
        { err, key: row.key, attempts: row.attempts },
        'outside call has no answer yet; the sweeper asks again',
      );
      await this.em
        .fork()
        .execute(`update ${table(this.em, 'outside_calls')} set last_error = ? where key = ? and state = 'claimed'`, [
          error.slice(0, 1000),
          row.key,
        ]);
      return { state: 'claimed', error };
    }
    const committed: (() => Promise<unknown>)[] = [];
    const outcome = await this.finish(row.key, async (em, publish, request) => ({
      state: 'done',
      result: await kind.record(em, publish, request, answer, (work) => void committed.push(work)),
    }));
    for (const work of committed)
      await work().catch((err: unknown) =>
        this.logger.warn({ err, key: row.key }, 'work after an outside call failed; the sweeper finishes it'),
      );
    return outcome;
  }

  private giveUp(row: CallRow): Promise<RunOutcome> {
    const error = row.last_error ?? 'no answer';
    this.logger.error({ key: row.key, attempts: row.attempts - 1, error }, 'outside call given up');
    return this.finish(row.key, async (em, publish, request) => {
      await this.kindOf(row).abandon?.(em, publish, request, error);
      return { state: 'failed', error };
    });
  }

  /** The second transaction: the row locked, applied once (a second answer to a finished call is dropped). */
  private finish(
    key: string,
    apply: (em: EntityManager, publish: Publish<Events>, request: unknown) => Promise<RunOutcome>,
  ): Promise<RunOutcome> {
    return this.outbox.transaction(async (em, publish) => {
      const [row] = await rows<CallRow>(em, `select * from ${table(em, 'outside_calls')} where key = ? for update`, [
        key,
      ]);
      if (!row) throw new Error(`Outside call ${key} vanished`);
      if (row.state === 'done') return { state: 'done', result: row.result } as const;
      if (row.state === 'failed') return { state: 'failed', error: row.last_error ?? '' } as const;
      const outcome = await apply(em, publish, row.request);
      await em.execute(
        `update ${table(em, 'outside_calls')} set state = ?, result = ?, last_error = ?, finished_at = now() ` +
          `where key = ?`,
        [
          outcome.state,
          outcome.state === 'done' ? JSON.stringify(outcome.result) : null,
          outcome.state === 'done' ? null : outcome.error,
          key,
        ],
      );
      return outcome;
    });
  }
}

/** One kind of call, typed: claimed in a transaction, run after its commit. */
export class OutsideCall<Request> {
  constructor(
    readonly name: string,
    private readonly calls: OutsideCalls<EventMap>,
  ) {}

  keyOf(id: string): string {
    return `${this.name}:${id}`;
  }

  /** Claims the call `<name>:<id>` in `em`'s transaction; false when it was claimed before. */
  claim(em: EntityManager, id: string, request: Request): Promise<boolean> {
    return this.calls.claim(em, this.name, this.keyOf(id), request);
  }

  /** After the claim's commit: calls, and records the answer (or leaves it to the sweeper). */
  run(id: string): Promise<RunOutcome> {
    return this.calls.run(this.keyOf(id));
  }

  /** The call `<name>:<id>` as recorded (claimed or finished), in `em`'s transaction; null if never claimed. */
  async find(
    em: EntityManager,
    id: string,
  ): Promise<{ state: CallRow['state']; request: Request; result: Json } | null> {
    const row = await this.calls.find(em, this.keyOf(id));
    return row && { state: row.state, request: row.request as Request, result: row.result };
  }

  /**
   * The outcome of a call another request is making: waits (up to the deadline and a little more)
   * for it to be recorded, rather than asking the service a second time at once.
   */
  settled(id: string): Promise<RunOutcome> {
    return this.calls.settled(this.keyOf(id));
  }

  /**
   * Requests of this kind still claimed whose id starts with `idPrefix`: calls under way, e.g. a payment's refunds not
   * recorded yet.
   */
  async pending(em: EntityManager, idPrefix: string): Promise<Request[]> {
    const found = await rows<{ request: Request }>(
      em,
      `select request from ${table(em, 'outside_calls')} where state = 'claimed' and key like ? escape '\\'`,
      [`${this.keyOf(idPrefix).replace(/[\\%_]/g, '\\$&')}%`],
    );
    return found.map((row) => row.request);
  }
}

/** The settings from the validated configuration. */
export const outsideCallSettings = (
  config: Pick<
    Config,
    'OUTSIDE_CALL_DEADLINE_MS' | 'OUTSIDE_CALL_SWEEP_MS' | 'OUTSIDE_CALL_MAX_ATTEMPTS' | 'OUTSIDE_CALL_RETENTION_DAYS'
  >,
): OutsideCallSettings => ({
  deadlineMs: config.OUTSIDE_CALL_DEADLINE_MS,
  sweepMs: config.OUTSIDE_CALL_SWEEP_MS,
  maxAttempts: config.OUTSIDE_CALL_MAX_ATTEMPTS,
  retentionMs: config.OUTSIDE_CALL_RETENTION_DAYS * 24 * 3600_000,
});
