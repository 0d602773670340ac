import { Migration } from '@mikro-orm/migrations';

/**
 * platformReport counts every kind of fact in its period, so facts_by_kind (kind first) cannot serve it and a
 * one-day report read the whole table: 0.9 s over a year of 10,000 users (bench/ANALYTICS-RESULTS.md).
 */
export class Migration20261206233300_facts_by_time extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create index facts_by_time on ${s}.facts (occurred_at)`);
  }
}
