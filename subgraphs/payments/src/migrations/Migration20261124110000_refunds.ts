import { Migration } from '@mikro-orm/migrations';

export class Migration20261124110000_refunds extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(
      `alter table ${s}.payments add column refunded_amount integer not null default 0 check ` +
        `(refunded_amount >= 0 and refunded_amount <= amount)`,
    );
    this.addSql(`create table ${s}.refunds (
      id uuid primary key,
      payment_id uuid not null references ${s}.payments (id),
      amount integer not null check (amount > 0),
      reason text not null,
      requested_by uuid,
      idempotency_key text,
      provider_refund_id text,
      created_at timestamptz not null,
      unique (payment_id, idempotency_key)
    )`);
  }
}
