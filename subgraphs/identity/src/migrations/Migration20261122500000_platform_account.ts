import { Migration } from '@mikro-orm/migrations';

/**
 * PeerLink's own account: the seller of advertising (marketplace's campaign orders name it), so an
 * ad order's `seller { displayName }` resolves like any other. Nobody can sign in as it: its
 * password hash is no hash at all, which never verifies.
 */
export class Migration20261122500000_platform_account extends Migration {
  override async up() {
    this.addSql(`insert into "${this.config.get('schema')}".users (id, username, display_name, roles, created_at,
        updated_at, email, email_verified, password_hash)
      values ('01a20000-0000-7000-8000-00000000a11d', 'peerlink', 'PeerLink', '{USER,SELLER}', now(), now(),
        'platform@peerlink.invalid', true, '!')
      on conflict do nothing`);
  }
}
