import { Migration } from '@mikro-orm/migrations';

/** Product images, and the file each order line of a digital product delivers (as it was when bought). */
export class Migration20261122440000_files extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.products add column image_ids uuid[] not null default '{}'`);
    this.addSql(`alter table ${s}.order_items add column digital_file_id uuid`);
  }
}
