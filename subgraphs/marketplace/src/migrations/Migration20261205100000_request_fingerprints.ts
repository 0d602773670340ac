import { Migration } from '@mikro-orm/migrations';

/** A checkout key remembers what its first checkout asked for, so a reuse with other parameters is refused. */
export class Migration20261205100000_request_fingerprints extends Migration {
  override async up() {
    this.addSql(`alter table "${this.config.get('schema')}".orders add column request_fingerprint text`);
  }
}
