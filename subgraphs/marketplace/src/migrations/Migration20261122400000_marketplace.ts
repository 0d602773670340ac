import { Migration } from '@mikro-orm/migrations';

export class Migration20261122400000_marketplace extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.products (
      id uuid primary key,
      seller_id uuid not null,
      title text not null,
      description text not null default '',
      kind text not null check (kind in ('PHYSICAL', 'DIGITAL')),
      price_amount integer not null check (price_amount > 0),
      currency text not null,
      stock integer check (stock >= 0),
      status text not null check (status in ('DRAFT', 'ACTIVE', 'SOLD_OUT', 'ARCHIVED')),
      digital_file_id uuid,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index products_by_seller on ${s}.products (seller_id, id desc)`);
    this.addSql(`create index products_on_sale on ${s}.products (id desc) where status in ('ACTIVE', 'SOLD_OUT')`);
    this.addSql(`create table ${s}.cart_items (
      buyer_id uuid not null,
      product_id uuid not null references ${s}.products (id) on delete cascade,
      quantity integer not null check (quantity > 0),
      seen_price_amount integer not null,
      seen_currency text not null,
      added_at timestamptz not null,
      primary key (buyer_id, product_id)
    )`);
    this.addSql(`create table ${s}.orders (
      id uuid primary key,
      buyer_id uuid not null,
      seller_id uuid not null,
      status text not null,
      total_amount integer not null,
      currency text not null,
      checkout_key text not null,
      payment_method_id text not null,
      shipping_address jsonb,
      tracking_number text,
      expires_at timestamptz not null,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      unique (buyer_id, checkout_key, seller_id, currency)
    )`);
    this.addSql(`create index orders_by_buyer on ${s}.orders (buyer_id, id desc)`);
    this.addSql(`create index orders_by_seller on ${s}.orders (seller_id, id desc)`);
    this.addSql(`create index orders_awaiting_payment on ${s}.orders (expires_at) where status = 'PENDING_PAYMENT'`);
    this.addSql(`create table ${s}.order_items (
      id uuid primary key,
      order_id uuid not null references ${s}.orders (id) on delete cascade,
      product_id uuid not null references ${s}.products (id),
      title text not null,
      unit_amount integer not null,
      quantity integer not null check (quantity > 0)
    )`);
    this.addSql(`create index order_items_by_order on ${s}.order_items (order_id)`);
  }
}
