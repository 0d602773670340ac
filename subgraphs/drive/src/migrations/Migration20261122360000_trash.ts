import { Migration } from '@mikro-orm/migrations';

/** Deleted files wait in their owner's trash (restorable) until purged by hand or after DRIVE_TRASH_DAYS. */
export class Migration20261122360000_trash extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.files add column deleted_at timestamptz`);
    // The owner's trash, newest first; and every owner's, oldest first, for the sweeper.
    this.addSql(
      `create index files_in_trash on ${s}.files (owner_id, deleted_at desc, id desc) where deleted_at is not null`,
    );
    this.addSql(`create index files_trash_expiry on ${s}.files (deleted_at) where deleted_at is not null`);
  }
}
