import { Migration } from '@mikro-orm/migrations';

export class Migration20261206050000_live_sessions extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.sessions (
      id uuid primary key,
      kind text not null check (kind in ('CALL', 'GROUP_CALL', 'LIVE_STREAM')),
      title text,
      host_id uuid not null,
      conversation_id uuid,
      visibility text check (visibility in ('PUBLIC', 'FOLLOWERS')),
      status text not null check (status in ('RINGING', 'ACTIVE', 'ENDED', 'MISSED', 'DECLINED')),
      created_at timestamptz not null,
      started_at timestamptz,
      ended_at timestamptz,
      recording boolean not null default false,
      check ((kind = 'LIVE_STREAM') = (conversation_id is null))
    )`);
    this.addSql(`create index sessions_ringing on ${s}.sessions (created_at) where status = 'RINGING'`);
    this.addSql(`create index sessions_live_in_conversation on ${s}.sessions (conversation_id)
      where status in ('RINGING', 'ACTIVE')`);
    this.addSql(`create table ${s}.participants (
      id uuid primary key,
      session_id uuid not null references ${s}.sessions (id) on delete cascade,
      user_id uuid not null,
      role text not null check (role in ('HOST', 'SPEAKER', 'VIEWER')),
      state text not null check (state in ('INVITED', 'DECLINED', 'JOINED', 'LEFT', 'REMOVED')),
      created_at timestamptz not null,
      joined_at timestamptz,
      left_at timestamptz,
      tracks jsonb not null default '[]',
      muted boolean not null default false,
      unique (session_id, user_id)
    )`);
    this.addSql(`create index participants_by_user on ${s}.participants (user_id, created_at desc, session_id desc)`);
    this.addSql(`create table ${s}.recordings (
      id uuid primary key,
      session_id uuid not null references ${s}.sessions (id) on delete cascade,
      file_id uuid not null,
      file_name text not null,
      size bigint not null,
      duration_seconds integer not null,
      created_at timestamptz not null
    )`);
    this.addSql(`create index recordings_by_session on ${s}.recordings (session_id, created_at)`);
    // Read models of others' events, each row kept from its latest event (they may arrive out of order).
    // Who is in each conversation (chat): calls ring these members and admit only them.
    this.addSql(`create table ${s}.conversation_members (
      conversation_id uuid primary key,
      member_ids uuid[] not null,
      last_event_id uuid not null
    )`);
    // Who follows whom (social): a FOLLOWERS stream admits only the host's followers.
    this.addSql(`create table ${s}.follows (
      follower_id uuid not null,
      followee_id uuid not null,
      active boolean not null,
      last_event_id uuid not null,
      primary key (followee_id, follower_id)
    )`);
    // Who blocked whom (social): neither side of a block may call the other.
    this.addSql(`create table ${s}.blocks (
      blocker_id uuid not null,
      blocked_id uuid not null,
      active boolean not null,
      last_event_id uuid not null,
      primary key (blocker_id, blocked_id)
    )`);
  }
}
