import { Migration } from '@mikro-orm/migrations';

/** Saved cards: each user's customer at the provider, their cards, and the attempts to save one. */
export class Migration20261125100000_payment_methods extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.payment_customers (
      user_id uuid not null,
      provider text not null,
      provider_customer_id text not null,
      created_at timestamptz not null,
      primary key (user_id, provider)
    )`);
    this.addSql(`create table ${s}.payment_methods (
      id uuid primary key,
      user_id uuid not null,
      provider text not null,
      provider_payment_method_id text not null unique,
      brand text not null,
      last4 text not null,
      exp_month integer not null,
      exp_year integer not null,
      is_default boolean not null default false,
      created_at timestamptz not null,
      removed_at timestamptz
    )`);
    this.addSql(`create index payment_methods_user_id_removed_at_index on ${s}.payment_methods (user_id, removed_at)`);
    // At most one default card per user.
    this.addSql(`create unique index payment_methods_one_default on ${s}.payment_methods (user_id) where is_default`);
    this.addSql(`create table ${s}.payment_method_setups (
      id uuid primary key,
      user_id uuid not null,
      idempotency_key text not null,
      provider_setup_id text,
      status text not null check (status in ('SUCCEEDED', 'REQUIRES_ACTION', 'REQUIRES_PAYMENT_METHOD', 'FAILED')),
      client_secret text,
      action_url text,
      failure_reason text,
      payment_method_id uuid references ${s}.payment_methods (id),
      created_at timestamptz not null,
      updated_at timestamptz not null,
      unique (user_id, idempotency_key)
    )`);
    this.addSql(
      `create index payment_method_setups_provider_setup_id_index on ${s}.payment_method_setups (provider_setup_id)`,
    );
  }
}
