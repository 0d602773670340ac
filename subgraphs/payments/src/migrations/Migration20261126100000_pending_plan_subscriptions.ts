import { Migration } from '@mikro-orm/migrations';

/**
 * A subscription is claimed as PENDING (and committed) before the provider is asked, so an answer
 * we fail to record is finished later rather than lost. A pending one holds the user's one live
 * subscription to the plan, or two requests with different keys could both start one at the provider.
 */
export class Migration20261126100000_pending_plan_subscriptions extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`alter table ${s}.plan_subscriptions drop constraint plan_subscriptions_status_check`);
    this.addSql(
      `alter table ${s}.plan_subscriptions add constraint plan_subscriptions_status_check check (status in ` +
        `('PENDING', 'INCOMPLETE', 'ACTIVE', 'PAST_DUE', 'CANCELLED'))`,
    );
    this.addSql(`drop index ${s}.plan_subscriptions_one_live`);
    this.addSql(
      `create unique index plan_subscriptions_one_live on ${s}.plan_subscriptions (user_id, plan_id) where ` +
        `status in ('PENDING', 'ACTIVE', 'PAST_DUE')`,
    );
  }
}
