import { Migration } from '@mikro-orm/migrations';

export class Migration20261122450000_campaigns extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.campaigns (
      id uuid primary key,
      product_id uuid not null references ${s}.products (id),
      seller_id uuid not null,
      order_id uuid not null unique references ${s}.orders (id),
      daily_budget integer not null check (daily_budget > 0),
      currency text not null,
      days integer not null check (days between 1 and 90),
      status text not null,
      starts_at timestamptz,
      ends_at timestamptz,
      impressions integer not null default 0,
      clicks integer not null default 0,
      created_at timestamptz not null
    )`);
    this.addSql(`create index campaigns_running on ${s}.campaigns (product_id) where status = 'ACTIVE'`);
    this.addSql(`create index campaigns_by_seller on ${s}.campaigns (seller_id, id desc)`);
  }
}
