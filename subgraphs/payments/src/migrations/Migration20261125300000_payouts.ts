import { Migration } from '@mikro-orm/migrations';

/** Sellers' payout accounts, and one payout per paid order. */
export class Migration20261125300000_payouts extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.payout_accounts (
      id uuid primary key,
      seller_id uuid not null unique,
      provider text not null,
      provider_account_id text not null unique,
      status text not null check (status in ('ONBOARDING', 'ENABLED', 'RESTRICTED')),
      payouts_enabled boolean not null,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    // Unique order and payment: a redelivered "delivered" creates no second payout.
    this.addSql(`create table ${s}.payouts (
      id uuid primary key,
      seller_id uuid not null,
      order_id uuid not null unique,
      payment_id uuid not null unique references ${s}.payments (id),
      amount integer not null check (amount >= 0),
      fee integer not null check (fee >= 0 and fee <= amount),
      net integer not null check (net = amount - fee),
      fee_basis_points integer not null check (fee_basis_points between 0 and 10000),
      currency text not null check (currency ~ '^[a-z]{3}$'),
      status text not null check (status in ('HELD', 'PAID', 'PARTIALLY_REVERSED', 'REVERSED', 'CANCELLED')),
      reversed_amount integer not null default 0 check (reversed_amount >= 0 and reversed_amount <= net),
      hold_reason text,
      provider_transfer_id text,
      refunds_covered integer not null default 0,
      transfer_attempts integer not null default 0,
      created_at timestamptz not null,
      paid_at timestamptz,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index payouts_seller_created on ${s}.payouts (seller_id, created_at desc, id desc)`);
    this.addSql(`create index payouts_held on ${s}.payouts (seller_id) where status = 'HELD'`);
  }
}
