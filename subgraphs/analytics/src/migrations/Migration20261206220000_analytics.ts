import { Migration } from '@mikro-orm/migrations';

export class Migration20261206220000_analytics extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    // Every event heard, kept: the read models are rebuilt from here (the bus keeps only a week).
    this.addSql(`create table ${s}.event_log (
      event_id uuid primary key,
      name text not null,
      occurred_at timestamptz not null,
      payload jsonb not null,
      received_at timestamptz not null
    )`);
    // The read model: one row per business fact (facts.ts), counted by the reports at query time.
    this.addSql(`create table ${s}.facts (
      key text primary key,
      kind text not null,
      subject_id uuid,
      actor_id uuid,
      amount bigint,
      currency text,
      occurred_at timestamptz not null,
      event_id uuid not null
    )`);
    this.addSql(`create index facts_by_kind on ${s}.facts (kind, occurred_at)`);
    this.addSql(`create index facts_by_subject on ${s}.facts (subject_id, occurred_at) where subject_id is not null`);
  }
}
