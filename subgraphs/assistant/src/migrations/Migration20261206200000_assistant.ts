import { Migration } from '@mikro-orm/migrations';
import { checkpointTablesSql } from '../graph/sql-checkpoint-saver.js';

export class Migration20261206200000_assistant extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.bots (
      id uuid primary key,
      slug text not null unique,
      name text not null,
      description text not null,
      instructions text not null,
      tools jsonb not null default '[]',
      intents jsonb not null default '[]',
      built_in boolean not null default false,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create table ${s}.threads (
      id uuid primary key,
      owner_id uuid not null,
      bot_id uuid not null references ${s}.bots (id),
      title text not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index threads_by_owner on ${s}.threads (owner_id, updated_at desc, id desc)`);
    this.addSql(`create table ${s}.messages (
      id uuid primary key,
      thread_id uuid not null references ${s}.threads (id) on delete cascade,
      owner_id uuid not null,
      role text not null check (role in ('USER', 'ASSISTANT', 'TOOL')),
      content text not null,
      status text not null check (status in ('STREAMING', 'COMPLETE', 'FAILED')),
      tool_calls jsonb not null default '[]',
      error_code text,
      client_message_id text,
      reply_to_id uuid,
      deltas integer not null default 0,
      tokens integer not null default 0,
      started_at timestamptz,
      created_at timestamptz not null,
      unique (owner_id, client_message_id)
    )`);
    this.addSql(`create index messages_by_thread on ${s}.messages (thread_id, created_at desc, id desc)`);
    // The per-user limits count a window's questions and tokens.
    this.addSql(`create index messages_by_owner on ${s}.messages (owner_id, created_at) where role <> 'TOOL'`);
    this.addSql(`create index messages_streaming on ${s}.messages (started_at) where status = 'STREAMING'`);
    // One reply at a time per thread: two runs on one thread's state would interleave.
    this.addSql(`create unique index messages_one_streaming on ${s}.messages (thread_id) where status = 'STREAMING'`);
    this.addSql(`create table ${s}.memories (
      id uuid primary key,
      user_id uuid not null,
      content text not null,
      thread_id uuid,
      created_at timestamptz not null
    )`);
    this.addSql(`create index memories_by_user on ${s}.memories (user_id, created_at)`);
    for (const statement of checkpointTablesSql(s)) this.addSql(statement);
  }
}
