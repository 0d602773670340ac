import { Migration } from '@mikro-orm/migrations';

export class Migration20261206010000_video_attempts extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    // Tries at the current transcode job, counted when one starts: the last allowed one that fails gives up.
    this.addSql(`alter table ${s}.lectures add column video_attempts integer not null default 0`);
  }
}
