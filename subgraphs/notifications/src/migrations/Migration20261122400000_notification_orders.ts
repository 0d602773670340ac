import { Migration } from '@mikro-orm/migrations';

/** Order notifications link to the order they are about. */
export class Migration20261122400000_notification_orders extends Migration {
  override async up() {
    this.addSql(`alter table "${this.config.get('schema')}".notifications add column order_id uuid`);
  }
}
