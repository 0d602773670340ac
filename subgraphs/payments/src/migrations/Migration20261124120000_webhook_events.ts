import { Migration } from '@mikro-orm/migrations';

/** The provider events already handled, by the provider's event id: a redelivery finds its id here. */
export class Migration20261124120000_webhook_events extends Migration {
  override async up() {
    this.addSql(`create table "${this.config.get('schema')}".webhook_events (
      id text primary key,
      type text not null,
      received_at timestamptz not null
    )`);
  }
}
