import { Migration } from '@mikro-orm/migrations';

/** The starting category tree: two levels, ids fixed so clients and seeds can name them. */
export const CATEGORIES: { id: string; name: string; parentId: string | null }[] = [
  { id: '01a20000-0000-7000-8000-000000000100', name: 'Electronics', parentId: null },
  { id: '01a20000-0000-7000-8000-000000000101', name: 'Phones', parentId: '01a20000-0000-7000-8000-000000000100' },
  { id: '01a20000-0000-7000-8000-000000000102', name: 'Computers', parentId: '01a20000-0000-7000-8000-000000000100' },
  { id: '01a20000-0000-7000-8000-000000000200', name: 'Home', parentId: null },
  { id: '01a20000-0000-7000-8000-000000000201', name: 'Furniture', parentId: '01a20000-0000-7000-8000-000000000200' },
  { id: '01a20000-0000-7000-8000-000000000202', name: 'Kitchen', parentId: '01a20000-0000-7000-8000-000000000200' },
  { id: '01a20000-0000-7000-8000-000000000300', name: 'Fashion', parentId: null },
  { id: '01a20000-0000-7000-8000-000000000400', name: 'Books', parentId: null },
  { id: '01a20000-0000-7000-8000-000000000500', name: 'Digital goods', parentId: null },
  { id: '01a20000-0000-7000-8000-000000000501', name: 'Software', parentId: '01a20000-0000-7000-8000-000000000500' },
  { id: '01a20000-0000-7000-8000-000000000502', name: 'Courses', parentId: '01a20000-0000-7000-8000-000000000500' },
];

export class Migration20261122410000_search extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.categories (
      id uuid primary key,
      parent_id uuid references ${s}.categories (id),
      name text not null
    )`);
    for (const c of CATEGORIES) {
      this.addSql(
        `insert into ${s}.categories (id, parent_id, name) values ('${c.id}', ` +
          `${c.parentId ? `'${c.parentId}'` : 'null'}, '${c.name}')`,
      );
    }
    this.addSql(`alter table ${s}.products add column category_id uuid references ${s}.categories (id)`);
    // Titles weigh more than descriptions; English stemming, so "lamps" finds "lamp".
    this.addSql(`alter table ${s}.products add column search tsvector generated always as (
      setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')
    ) stored`);
    this.addSql(`alter table ${s}.products add column rating_count integer not null default 0`);
    this.addSql(`alter table ${s}.products add column rating_average real`);
    this.addSql(
      `create index products_search on ${s}.products using gin (search) where status in ('ACTIVE', 'SOLD_OUT')`,
    );
    this.addSql(
      `create index products_by_category on ${s}.products (category_id, id desc) where status in ('ACTIVE', ` +
        `'SOLD_OUT')`,
    );
    this.addSql(
      `create index products_by_price on ${s}.products (price_amount, id) where status in ('ACTIVE', 'SOLD_OUT')`,
    );
    // The expression the RATING sort orders and pages by: unrated products last.
    this.addSql(
      `create index products_by_rating on ${s}.products ((coalesce(rating_average::float8, -1)) desc, id ` +
        `desc) where status in ('ACTIVE', 'SOLD_OUT')`,
    );
  }
}
