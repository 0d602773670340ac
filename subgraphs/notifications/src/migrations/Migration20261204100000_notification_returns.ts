import { Migration } from '@mikro-orm/migrations';

/** Return notifications link to their request; admins, known by identity's roles, hear of escalations. */
export class Migration20261204100000_notification_returns extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.notifications add column return_request_id uuid`);
    this.addSql(`alter table ${s}.recipients add column roles text[] not null default '{}'`);
  }
}
