import { Migration } from '@mikro-orm/migrations';

/**
 * Tables every subgraph has in its own schema: the outbox it publishes from (a row lives until the
 * relay has handed its event to the bus) and the inbox that makes its event consumers idempotent.
 * They run before the subgraph's own migrations.
 */
export class Migration00000000000000_platform extends Migration {
  override async up() {
    const schema = `"${this.config.get('schema')}"`;
    this.addSql(`create table if not exists ${schema}.outbox (
      seq bigserial primary key,
      id uuid not null unique,
      name text not null,
      payload jsonb not null,
      request_id text,
      occurred_at timestamptz not null
    )`);
    this.addSql(`create table if not exists ${schema}.processed_event (
      consumer text not null,
      event_id uuid not null,
      processed_at timestamptz not null default now(),
      primary key (consumer, event_id)
    )`);
  }
}

/**
 * Calls to outside services (payment provider, mail, SMS) claimed before they are made, so none runs
 * inside a transaction and none is made twice: see outside-call.ts. One row per call, named by its
 * key (`charge:<paymentId>`); `request` holds what repeating the call needs, `result` what the
 * caller chose to keep (never a secret).
 */
export class Migration00000000000001_outside_calls extends Migration {
  override async up() {
    const schema = `"${this.config.get('schema')}"`;
    this.addSql(`create table if not exists ${schema}.outside_calls (
      key text primary key,
      kind text not null,
      request jsonb not null,
      state text not null check (state in ('claimed', 'done', 'failed')),
      attempts integer not null default 1,
      claimed_at timestamptz not null default now(),
      last_error text,
      result jsonb,
      created_at timestamptz not null default now(),
      finished_at timestamptz
    )`);
    // The sweeper's two questions: which claims were left behind, which finished rows are old enough to prune.
    this.addSql(
      `create index if not exists outside_calls_claimed on ${schema}.outside_calls (claimed_at) where state ` +
        `= 'claimed'`,
    );
    this.addSql(
      `create index if not exists outside_calls_finished on ${schema}.outside_calls (finished_at) where ` +
        `state <> 'claimed'`,
    );
  }
}

/**
 * The inbox pruner (events/inbox.ts) finds rows past retention by when they were processed: without this, a scan of the
 * whole table.
 */
export class Migration00000000000002_processed_event_age extends Migration {
  override async up() {
    const schema = `"${this.config.get('schema')}"`;
    this.addSql(`create index if not exists processed_event_processed_at on ${schema}.processed_event (processed_at)`);
  }
}

/** The trace an event continues (tracing.ts), kept with its row until relayed: a relay after a crash keeps it too. */
export class Migration00000000000003_outbox_trace_context extends Migration {
  override async up() {
    const schema = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${schema}.outbox add column if not exists trace_context jsonb`);
  }
}

export const platformMigrations = [
  { name: 'Migration00000000000000_platform', class: Migration00000000000000_platform },
  { name: 'Migration00000000000001_outside_calls', class: Migration00000000000001_outside_calls },
  { name: 'Migration00000000000002_processed_event_age', class: Migration00000000000002_processed_event_age },
  { name: 'Migration00000000000003_outbox_trace_context', class: Migration00000000000003_outbox_trace_context },
];
