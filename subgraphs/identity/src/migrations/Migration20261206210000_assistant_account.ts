import { Migration } from '@mikro-orm/migrations';

/**
 * The assistant's account (`ASSISTANT_USER_ID` in contracts/src/assistant.ts): its answers in chat are
 * messages from it, so `sender { displayName }` resolves like anyone's, and `@assistant` names it. Nobody can
 * sign in as it: its password hash is no hash at all, which never verifies.
 */
export class Migration20261206210000_assistant_account extends Migration {
  override async up() {
    this.addSql(`insert into "${this.config.get('schema')}".users (id, username, display_name, roles, created_at,
        updated_at, email, email_verified, password_hash)
      values ('01a20000-0000-7000-8000-00000000b075', 'assistant', 'PeerLink Assistant', '{USER}', now(), now(),
        'assistant@peerlink.invalid', true, '!')
      on conflict do nothing`);
  }
}
