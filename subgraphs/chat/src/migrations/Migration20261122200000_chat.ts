import { Migration } from '@mikro-orm/migrations';
import { PEOPLE_TABLE_SQL } from '@peerlink/platform/accounts/people';

export class Migration20261122200000_chat extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(PEOPLE_TABLE_SQL(s));
    this.addSql(`create table ${s}.blocks (
      blocker_id uuid not null,
      blocked_id uuid not null,
      active boolean not null,
      last_event_id uuid not null,
      primary key (blocker_id, blocked_id)
    )`);
    this.addSql(`create table ${s}.conversations (
      id uuid primary key,
      kind text not null check (kind in ('DIRECT', 'GROUP')),
      title text,
      direct_key text unique,
      created_at timestamptz not null,
      last_activity_at timestamptz not null,
      last_message_id uuid
    )`);
    this.addSql(`create table ${s}.members (
      conversation_id uuid not null references ${s}.conversations (id),
      user_id uuid not null,
      role text not null check (role in ('OWNER', 'ADMIN', 'MEMBER')),
      joined_at timestamptz not null,
      last_read_message_id uuid,
      last_read_at timestamptz,
      last_delivered_message_id uuid,
      last_delivered_at timestamptz,
      notified_up_to_message_id uuid,
      primary key (conversation_id, user_id)
    )`);
    // The inbox: a user's conversations by recent activity.
    this.addSql(`create index members_by_user on ${s}.members (user_id, conversation_id)`);
    this.addSql(`create index conversations_by_activity on ${s}.conversations (last_activity_at desc, id desc)`);
    this.addSql(`create table ${s}.messages (
      id uuid primary key,
      conversation_id uuid not null references ${s}.conversations (id),
      sender_id uuid not null,
      body text not null,
      client_message_id text,
      created_at timestamptz not null,
      edited_at timestamptz,
      deleted_at timestamptz,
      unique (conversation_id, sender_id, client_message_id)
    )`);
    this.addSql(`create index messages_by_conversation on ${s}.messages (conversation_id, id desc)`);
  }
}
