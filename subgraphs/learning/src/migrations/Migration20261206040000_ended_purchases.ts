import { Migration } from '@mikro-orm/migrations';

/** Orders that were cancelled or refunded: a late "paid" for one of them enrolls nobody. */
export class Migration20261206040000_ended_purchases extends Migration {
  override async up() {
    this.addSql(`create table "${this.config.get('schema')}".ended_purchases (order_id uuid primary key)`);
  }
}
