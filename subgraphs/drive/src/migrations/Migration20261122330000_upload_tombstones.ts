import { Migration } from '@mikro-orm/migrations';

/** Refused uploads (and those of deleted files) stay as tombstones until their links expire. */
export class Migration20261122330000_upload_tombstones extends Migration {
  override async up() {
    this.addSql(`alter table "${this.config.get('schema')}".uploads add column rejected_at timestamptz`);
  }
}
