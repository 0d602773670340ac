import { Migration } from '@mikro-orm/migrations';

export class Migration20261122000000_notifications extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.notifications (
      id uuid primary key,
      recipient_id uuid not null,
      kind text not null,
      title text not null,
      body text not null,
      actor_id uuid,
      read boolean not null default false,
      created_at timestamptz not null,
      source_event_id uuid not null,
      unique (recipient_id, source_event_id)
    )`);
    this.addSql(`create index notifications_inbox on ${s}.notifications (recipient_id, created_at desc, id desc)`);
    this.addSql(`create index notifications_unread on ${s}.notifications (recipient_id) where not read`);
    this.addSql(`create table ${s}.preferences (
      user_id uuid not null,
      kind text not null,
      in_app boolean not null,
      email boolean not null,
      sms boolean not null,
      primary key (user_id, kind)
    )`);
    this.addSql(`create table ${s}.recipients (
      user_id uuid primary key,
      display_name text not null,
      email text not null,
      phone text,
      last_event_id uuid not null
    )`);
  }
}
