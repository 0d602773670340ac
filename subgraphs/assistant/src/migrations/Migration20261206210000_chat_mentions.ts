import { Migration } from '@mikro-orm/migrations';

export class Migration20261206210000_chat_mentions extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    // `@assistant` in a conversation, claimed when chat tells of it and answered after (chat-mentions.ts).
    this.addSql(`create table ${s}.chat_mentions (
      id uuid primary key,
      message_id uuid not null unique,
      conversation_id uuid not null,
      asked_by uuid not null,
      status text not null check (status in ('PENDING', 'RUNNING', 'ANSWERED', 'FAILED')),
      claimed_at timestamptz,
      created_at timestamptz not null
    )`);
    this.addSql(`create index chat_mentions_waiting on ${s}.chat_mentions (created_at)
      where status in ('PENDING', 'RUNNING')`);
  }
}
