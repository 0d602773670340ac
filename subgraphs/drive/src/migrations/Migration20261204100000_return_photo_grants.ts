import { Migration } from '@mikro-orm/migrations';

/** The seller of an order may see the photos its buyer attached to a return request, for as long as the file exists. */
export class Migration20261204100000_return_photo_grants extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.return_photo_grants (
      request_id uuid not null,
      file_id uuid not null references ${s}.files (id) on delete cascade,
      seller_id uuid not null,
      primary key (request_id, file_id)
    )`);
    this.addSql(`create index return_photo_grants_by_seller on ${s}.return_photo_grants (seller_id, file_id)`);
  }
}
