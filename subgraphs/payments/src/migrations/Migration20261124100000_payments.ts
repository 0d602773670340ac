import { Migration } from '@mikro-orm/migrations';

/** The outbox and the inbox come from the platform's own migration, which runs first. */
export class Migration20261124100000_payments extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    // One payment per order: the unique order id is what stops a redelivered order being charged twice.
    this.addSql(`create table ${s}.payments (
      id uuid primary key,
      order_id uuid not null unique,
      buyer_id uuid not null,
      seller_id uuid not null,
      amount integer not null check (amount > 0),
      currency text not null check (currency ~ '^[a-z]{3}$'),
      status text not null check (status in ('REQUIRES_ACTION', 'PROCESSING', 'SUCCEEDED', 'FAILED', 'REFUNDED',
        'PARTIALLY_REFUNDED')),
      provider text not null,
      provider_payment_id text,
      client_secret text,
      failure_reason text,
      action_url text,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
  }
}
