import { Migration } from '@mikro-orm/migrations';

/** Social notifications link to the post they are about. */
export class Migration20261122100000_notification_posts extends Migration {
  override async up() {
    this.addSql(`alter table "${this.config.get('schema')}".notifications add column post_id uuid`);
  }
}
