import { Migration } from '@mikro-orm/migrations';

export class Migration20261122420000_refunds extends Migration {
  override async up() {
    this.addSql(
      `alter table "${this.config.get('schema')}".orders add column refunded_amount integer not null default 0`,
    );
  }
}
