import { Migration } from '@mikro-orm/migrations';

/**
 * COURSE products, listed from learning's events: the course each sells (and on each order line),
 * and the course listings learning withdrew, so a late "published" cannot put one back on sale.
 */
export class Migration20261206100000_course_products extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.products drop constraint products_kind_check`);
    this.addSql(`alter table ${s}.products add constraint products_kind_check
      check (kind in ('PHYSICAL', 'DIGITAL', 'COURSE'))`);
    this.addSql(`alter table ${s}.products add column course_id uuid, add column last_event_id uuid`);
    this.addSql(`create unique index products_course_id on ${s}.products (course_id) where course_id is not null`);
    this.addSql(`alter table ${s}.order_items add column course_id uuid`);
    this.addSql(`create index order_items_by_course on ${s}.order_items (course_id) where course_id is not null`);
    this.addSql(`create table ${s}.withdrawn_course_products (product_id uuid primary key)`);
  }
}
