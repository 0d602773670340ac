import { Migration } from '@mikro-orm/migrations';

/**
 * Orders whose purchases have ended (cancelled, refunded, failed): final, so a late or retried
 * "paid" event for one of them cannot grant its files again.
 */
export class Migration20261122350000_purchase_revocations extends Migration {
  override async up() {
    this.addSql(`create table "${this.config.get('schema')}".purchase_revocations (order_id uuid primary key)`);
  }
}
