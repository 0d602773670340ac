import { Migration } from '@mikro-orm/migrations';

/** Plans sold by the platform and users' subscriptions to them. */
export class Migration20261125200000_plans extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.plans (
      id uuid primary key,
      name text not null,
      description text not null default '',
      amount integer not null check (amount > 0),
      currency text not null check (currency ~ '^[a-z]{3}$'),
      interval text not null check (interval in ('MONTH', 'YEAR')),
      active boolean not null default true,
      provider text not null,
      provider_price_id text not null,
      created_at timestamptz not null
    )`);
    // Two plans on sale under one name would confuse buyers (and a retried createPlan would make one).
    this.addSql(`create unique index plans_active_name on ${s}.plans (lower(name)) where active`);
    this.addSql(`create table ${s}.plan_subscriptions (
      id uuid primary key,
      user_id uuid not null,
      plan_id uuid not null references ${s}.plans (id),
      payment_method_id uuid not null references ${s}.payment_methods (id),
      idempotency_key text not null,
      provider text not null,
      provider_subscription_id text unique,
      status text not null check (status in ('INCOMPLETE', 'ACTIVE', 'PAST_DUE', 'CANCELLED')),
      current_period_end timestamptz,
      cancel_at_period_end boolean not null default false,
      latest_payment_failure text,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      unique (user_id, idempotency_key)
    )`);
    // One live subscription per user and plan, whatever races the service's own check.
    this.addSql(
      `create unique index plan_subscriptions_one_live on ${s}.plan_subscriptions (user_id, plan_id) where ` +
        `status in ('ACTIVE', 'PAST_DUE')`,
    );
  }
}
