import { Migration } from '@mikro-orm/migrations';

/** A grant belongs to the message that made it, so deleting the message takes the grant away. */
export class Migration20261122320000_grants_per_message extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.attachment_grants add column message_id uuid`);
    this.addSql(`alter table ${s}.attachment_grants drop constraint attachment_grants_pkey`);
    // Grants made before this had no message; they stay, as they were.
    this.addSql(
      `create unique index attachment_grants_by_message on ${s}.attachment_grants (file_id, message_id) ` +
        `where message_id is not null`,
    );
    this.addSql(`create index attachment_grants_by_file on ${s}.attachment_grants (file_id, conversation_id)`);
    this.addSql(`create index attachment_grants_of_message on ${s}.attachment_grants (message_id)`);
  }
}
