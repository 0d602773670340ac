import { Migration } from '@mikro-orm/migrations';

/**
 * The platform report's two read models (facts.ts), so a year's report reads thousands of rows, not every fact
 * (over 6 s for 10,000 users' year when it counted the facts: bench/ANALYTICS-RESULTS.md): facts counted and summed
 * per quarter hour, and each user's first and last activity per UTC day. Filled from the facts already stored.
 */
export class Migration20261206234500_platform_days extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.fact_slots (
      slot timestamptz not null,
      kind text not null,
      currency text not null,
      facts integer not null,
      amount bigint not null,
      last_at timestamptz not null,
      primary key (slot, kind, currency)
    )`);
    this.addSql(`create table ${s}.activity_days (
      user_id uuid not null,
      day date not null,
      first_at timestamptz not null,
      last_at timestamptz not null,
      primary key (user_id, day)
    )`);
    this.addSql(`create index activity_days_by_day on ${s}.activity_days (day) include (first_at, last_at)`);
    // As the folds would have filled them (facts.ts storeFacts): session facts are activity, never counted.
    this.addSql(`insert into ${s}.fact_slots (slot, kind, currency, facts, amount, last_at)
      select date_bin('15 minutes', occurred_at, timestamptz 'epoch'), kind, coalesce(currency, ''), count(*),
        coalesce(sum(amount), 0), max(occurred_at)
      from ${s}.facts where kind <> 'SESSION_ACTIVE' group by 1, 2, 3`);
    this.addSql(`insert into ${s}.activity_days (user_id, day, first_at, last_at)
      select actor_id, (occurred_at at time zone 'UTC')::date, min(occurred_at), max(occurred_at)
      from ${s}.facts
      where actor_id is not null
        and kind in ('SIGN_UP', 'SIGN_IN', 'SESSION_ACTIVE', 'POST', 'MESSAGE', 'ORDER', 'PAYMENT')
      group by 1, 2`);
  }
}
