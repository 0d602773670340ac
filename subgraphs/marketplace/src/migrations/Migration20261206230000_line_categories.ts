import { Migration } from '@mikro-orm/migrations';

/**
 * Each order line keeps its product's category as it was bought, as it keeps title and price, for
 * figures by category. Lines from before take their product's category now: the best there is.
 */
export class Migration20261206230000_line_categories extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.order_items add column category_id uuid`);
    this.addSql(`update ${s}.order_items i set category_id = p.category_id from ${s}.products p
      where p.id = i.product_id and p.category_id is not null`);
  }
}
