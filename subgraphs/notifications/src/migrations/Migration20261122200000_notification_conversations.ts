import { Migration } from '@mikro-orm/migrations';

/** Chat notifications link to the conversation they are about. */
export class Migration20261122200000_notification_conversations extends Migration {
  override async up() {
    this.addSql(`alter table "${this.config.get('schema')}".notifications add column conversation_id uuid`);
  }
}
