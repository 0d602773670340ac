import { Migration } from '@mikro-orm/migrations';

export class Migration20261206050000_call_messages extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.messages
      add column kind text not null default 'TEXT'
        check (kind in ('TEXT', 'CALL_STARTED', 'CALL_MISSED', 'CALL_DECLINED', 'CALL_ENDED')),
      add column live_session_id uuid,
      add column call_duration_seconds integer`);
  }
}
