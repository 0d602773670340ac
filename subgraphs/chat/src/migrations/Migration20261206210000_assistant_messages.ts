import { Migration } from '@mikro-orm/migrations';

export class Migration20261206210000_assistant_messages extends Migration {
  override async up() {
    const messages = `"${this.config.get('schema')}".messages`;
    this.addSql(`alter table ${messages} drop constraint if exists messages_kind_check`);
    this.addSql(`alter table ${messages} add constraint messages_kind_check
      check (kind in ('TEXT', 'CALL_STARTED', 'CALL_MISSED', 'CALL_DECLINED', 'CALL_ENDED', 'ASSISTANT'))`);
  }
}
