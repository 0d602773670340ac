import { Migration } from '@mikro-orm/migrations';

/** Every webhook and the payer's return page find their payment by the provider's id. */
export class Migration20261205110000_provider_payment_index extends Migration {
  override async up() {
    this.addSql(
      `create index payments_provider_payment_id on "${this.config.get('schema')}".payments (provider_payment_id)`,
    );
  }
}
