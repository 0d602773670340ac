import { Migration } from '@mikro-orm/migrations';

/** Files attached in chat conversations, and who is in those conversations (from chat's events). */
export class Migration20261122310000_conversation_access extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.conversation_members (
      conversation_id uuid primary key,
      member_ids uuid[] not null,
      last_event_id uuid not null
    )`);
    this.addSql(`create index conversation_members_by_member on ${s}.conversation_members using gin (member_ids)`);
    this.addSql(`create table ${s}.attachment_grants (
      file_id uuid not null references ${s}.files (id) on delete cascade,
      conversation_id uuid not null,
      granted_at timestamptz not null,
      primary key (file_id, conversation_id)
    )`);
  }
}
