import { Migration } from '@mikro-orm/migrations';

/**
 * Every platformReport also counts the distinct users active in the 30 days before its end, and a plain index by
 * time still fetched each of those facts from the table (about 900,000 for 10,000 users): with the columns its
 * counts read, they are index-only scans (bench/ANALYTICS-RESULTS.md).
 */
export class Migration20261206234500_facts_by_time_covering extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`drop index if exists ${s}.facts_by_time`);
    this.addSql(`create index facts_by_time on ${s}.facts (occurred_at) include (kind, actor_id)`);
  }
}
