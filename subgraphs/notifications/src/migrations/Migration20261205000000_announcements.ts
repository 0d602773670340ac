import { Migration } from '@mikro-orm/migrations';

/**
 * An announcement is a durable job: its recipients are notified in batches, each committed with the
 * position it reached, under a lease that another process takes over once it lapses (a crashed sender).
 */
export class Migration20261205000000_announcements extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.announcements (
      id uuid primary key,
      actor_id uuid not null,
      idempotency_key text,
      title text not null,
      body text not null,
      state text not null check (state in ('SENDING', 'SENT', 'FAILED')),
      last_recipient_id uuid,
      notified int not null default 0,
      attempts int not null default 0,
      lease_owner uuid,
      lease_until timestamptz,
      last_error text,
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      unique (actor_id, idempotency_key)
    )`);
    this.addSql(`create index announcements_due on ${s}.announcements (lease_until) where state = 'SENDING'`);
  }
}
