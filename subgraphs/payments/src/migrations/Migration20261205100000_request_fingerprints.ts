import { Migration } from '@mikro-orm/migrations';

/** Each idempotency key remembers what its first request asked for, so a reuse with other parameters is refused. */
export class Migration20261205100000_request_fingerprints extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    for (const table of ['refunds', 'payment_method_setups', 'plan_subscriptions']) {
      this.addSql(`alter table ${s}.${table} add column request_fingerprint text`);
    }
  }
}
