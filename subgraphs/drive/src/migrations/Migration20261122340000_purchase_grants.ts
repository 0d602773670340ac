import { Migration } from '@mikro-orm/migrations';

/** Buyers may read the files their paid orders bought, for as long as the order is not cancelled or refunded. */
export class Migration20261122340000_purchase_grants extends Migration {
  override async up() {
    this.addSql(`create table "${this.config.get('schema')}".purchase_grants (
      order_id uuid not null,
      file_id uuid not null references "${this.config.get('schema')}".files (id) on delete cascade,
      buyer_id uuid not null,
      primary key (order_id, file_id)
    )`);
    this.addSql(
      `create index purchase_grants_by_buyer on "${this.config.get('schema')}".purchase_grants (buyer_id, file_id)`,
    );
  }
}
