import { Migration } from '@mikro-orm/migrations';

/** The sales read models (sales.ts): what sold, and what is on sale now. */
export class Migration20261206231700_sales extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    // A line of a paid order; `occurred_at` is when it was paid.
    this.addSql(`create table ${s}.sales_lines (
      order_id uuid not null,
      product_id uuid not null,
      seller_id uuid not null,
      kind text not null,
      course_id uuid,
      category_id uuid,
      quantity integer not null,
      unit_amount bigint not null,
      currency text not null,
      occurred_at timestamptz not null,
      event_id uuid not null,
      primary key (order_id, product_id)
    )`);
    this.addSql(`create index sales_lines_by_time on ${s}.sales_lines (occurred_at)`);
    this.addSql(`create index sales_lines_by_seller on ${s}.sales_lines (seller_id, occurred_at)`);
    // Paid orders cancelled or refunded in full: their lines sold nothing.
    this.addSql(`create table ${s}.sales_order_ends (
      order_id uuid primary key,
      status text not null,
      occurred_at timestamptz not null,
      event_id uuid not null
    )`);
    this.addSql(`create table ${s}.sales_products (
      product_id uuid primary key,
      seller_id uuid not null,
      kind text not null,
      title text not null,
      status text not null,
      last_event_id uuid not null
    )`);
    // `title` is null while only the course's archiving is known.
    this.addSql(`create table ${s}.sales_courses (
      course_id uuid primary key,
      instructor_id uuid not null,
      title text,
      archived boolean not null,
      last_event_id uuid not null
    )`);
    this.addSql(`create table ${s}.sales_categories (
      category_id uuid primary key,
      path uuid[] not null
    )`);
    this.addSql(`create index sales_categories_by_path on ${s}.sales_categories using gin (path)`);
  }
}
