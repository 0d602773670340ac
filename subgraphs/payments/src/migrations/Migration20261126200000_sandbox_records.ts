import { Migration } from '@mikro-orm/migrations';

/**
 * The sandbox processor's own records (its side of payments, cards and subscriptions), kept across restarts in embedded
 * mode.
 */
export class Migration20261126200000_sandbox_records extends Migration {
  override async up() {
    this.addSql(`create table "${this.config.get('schema')}".sandbox_records (
      kind text not null,
      key text not null,
      value jsonb not null,
      primary key (kind, key)
    )`);
  }
}
