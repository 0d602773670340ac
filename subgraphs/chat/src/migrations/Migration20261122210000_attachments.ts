import { Migration } from '@mikro-orm/migrations';

/** Drive files attached to messages, accepted or refused by drive. */
export class Migration20261122210000_attachments extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.message_attachments (
      message_id uuid not null references ${s}.messages (id),
      file_id uuid not null,
      position integer not null,
      status text not null check (status in ('PENDING', 'ACCEPTED', 'REFUSED')),
      primary key (message_id, file_id)
    )`);
  }
}
