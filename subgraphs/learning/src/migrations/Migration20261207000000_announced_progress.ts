import { Migration } from '@mikro-orm/migrations';

/**
 * How much of each lecture's watched time has been told to analytics (ProgressService.announceProgress): heartbeats
 * stay one cheap upsert, and the announcer tells what grew since, a batch at a time. Time watched before this was
 * never told and cannot be dated now: it counts as told.
 */
export class Migration20261207000000_announced_progress extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.lecture_progress add column announced_seconds int not null default 0`);
    this.addSql(`update ${s}.lecture_progress set announced_seconds = watched_seconds`);
    this.addSql(
      `create index lecture_progress_unannounced on ${s}.lecture_progress (user_id, lecture_id)
       where watched_seconds > announced_seconds`,
    );
  }
}
