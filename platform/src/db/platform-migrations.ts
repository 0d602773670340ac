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

export const platformMigrations = [{ name: 'Migration00000000000000_platform', class: Migration00000000000000_platform }];
