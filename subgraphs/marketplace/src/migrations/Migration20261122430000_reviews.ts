import { Migration } from '@mikro-orm/migrations';

export class Migration20261122430000_reviews extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.product_reviews (
      id uuid primary key,
      product_id uuid not null references ${s}.products (id),
      order_item_id uuid not null unique references ${s}.order_items (id),
      author_id uuid not null,
      rating integer not null check (rating between 1 and 5),
      body text not null,
      created_at timestamptz not null
    )`);
    this.addSql(`create index product_reviews_by_product on ${s}.product_reviews (product_id, id desc)`);
    this.addSql(`create table ${s}.seller_reviews (
      id uuid primary key,
      seller_id uuid not null,
      order_id uuid not null unique references ${s}.orders (id),
      author_id uuid not null,
      rating integer not null check (rating between 1 and 5),
      body text not null,
      created_at timestamptz not null
    )`);
    this.addSql(`create table ${s}.seller_ratings (
      seller_id uuid primary key,
      rating_count integer not null,
      rating_average real not null
    )`);
  }
}
