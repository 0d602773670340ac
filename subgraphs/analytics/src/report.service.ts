import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { rows, table } from '@peerlink/platform/db/sql';
import { isUuid } from '@peerlink/platform/ids';
import { notFound } from '@peerlink/platform/errors';
import { bounds, daysOf, inPeriod, type Period } from './period.js';
import { rebuild } from './projection.js';
import { withSales } from './sales.service.js';

/** One currency's figures, amounts in its minor units, as the SQL sums them. */
interface SellerSums {
  currency: string;
  orders: number;
  revenue: number;
  refunds: number;
  payouts: number;
}

export interface PlatformDay {
  date: string;
  activeUsers: number;
  signUps: number;
  posts: number;
  messages: number;
  orders: number;
  failedPayments: number;
  deadLetters: number;
}

/** The facts of a period, as calendar days in its time zone: the bounds and the day of each row, in SQL. */
export const IN_PERIOD = inPeriod('occurred_at');
export const DAY = `to_char(occurred_at at time zone ?, 'YYYY-MM-DD')`;

/** The platform report's daily counts: each fact kind counted, and the figure it is. */
const COUNTED = [
  ['SIGN_UP', 'signUps'],
  ['POST', 'posts'],
  ['MESSAGE', 'messages'],
  ['ORDER', 'orders'],
  ['PAYMENT_FAILED', 'failedPayments'],
  ['DEAD_LETTER', 'deadLetters'],
] as const;
const COUNT_COLUMNS = COUNTED.map(
  ([kind, figure]) => `coalesce(sum(facts) filter (where kind = '${kind}'), 0)::int as "${figure}"`,
).join(', ');

/**
 * Users active per calendar day of the period's zone. A UTC day spans at most two of them, and a user active in one
 * of those is active at that UTC day's first or last activity (the days are its ends), so the two instants kept per
 * user and UTC day tell exactly which calendar days, in any zone, the user was active in.
 */
const activeUsersPerDay = (em: EntityManager) =>
  `with touched as (
     select user_id, first_at as at from ${table(em, 'activity_days')} where day between ?::date - 1 and ?::date + 1
     union all
     select user_id, last_at from ${table(em, 'activity_days')} where day between ?::date - 1 and ?::date + 1
   )
   select to_char(at at time zone ?, 'YYYY-MM-DD') as date, count(distinct user_id)::int as users, max(at) as last
   from touched where ${inPeriod('at')} group by 1`;
const activeUsersParams = (p: Period) => [p.from, p.to, p.from, p.to, p.timeZone, ...bounds(p)];

/** Users active at any time from `from` to the end of the period, by the same reasoning. */
const activeUsersIn = (em: EntityManager) =>
  `select count(distinct user_id)::int as users from ${table(em, 'activity_days')}
   where day between ?::date - 1 and ?::date + 1
     and (${inPeriod('first_at')} or ${inPeriod('last_at')})`;
const activeUsersInParams = (from: string, p: Period) => {
  const window = [from, p.timeZone, p.to, p.timeZone];
  return [from, p.to, ...window, ...window];
};
/** Money taken: sales (a seller's too) and plan subscriptions (the platform's alone). */
const GROSS_KINDS = `('PAYMENT', 'PLAN_PAYMENT')`;

/** Reports read the facts the projection keeps; none reads another subgraph's data. */
export class ReportService {
  constructor(private readonly em: EntityManager) {}

  /** A seller's own figures (an admin may name any seller), per day and in all, per currency. */
  async seller(viewer: Viewer, period: Period, sellerId?: string | null) {
    requireRole(viewer, ['SELLER', 'ADMIN'], 'Only sellers have a seller report.');
    const subject = sellerId ?? viewer.userId;
    if (subject !== viewer.userId) {
      requireRole(viewer, 'ADMIN', 'Only admins read another seller’s report.');
      if (!isUuid(subject)) throw notFound('Seller');
    }
    const em = this.em.fork();
    const found = await rows<SellerSums & { date: string; last: Date }>(
      em,
      `select ${DAY} as date, currency,
         (count(*) filter (where kind = 'ORDER'))::int as orders,
         coalesce(sum(amount) filter (where kind = 'PAYMENT'), 0)::bigint as revenue,
         coalesce(sum(amount) filter (where kind = 'REFUND'), 0)::bigint as refunds,
         (coalesce(sum(amount) filter (where kind = 'PAYOUT'), 0)
           - coalesce(sum(amount) filter (where kind = 'PAYOUT_REVERSAL'), 0))::bigint as payouts,
         max(occurred_at) as last
       from ${table(em, 'facts')}
       where subject_id = ? and kind in ('ORDER', 'PAYMENT', 'REFUND', 'PAYOUT', 'PAYOUT_REVERSAL') and ${IN_PERIOD}
       group by 1, 2 order by 1, 2`,
      [period.timeZone, subject, ...bounds(period)],
    );
    const days = found.map(({ last: _last, ...day }) => numbers(day));
    const totals = new Map<string, SellerSums>();
    for (const day of days) {
      const total = totals.get(day.currency) ?? {
        currency: day.currency,
        orders: 0,
        revenue: 0,
        refunds: 0,
        payouts: 0,
      };
      total.orders += day.orders;
      total.revenue += day.revenue;
      total.refunds += day.refunds;
      total.payouts += day.payouts;
      totals.set(day.currency, total);
    }
    // Units and best sellers come from the sales read models (sales.ts).
    return withSales(em, period, {
      sellerId: subject,
      days: days.map((day) => ({ date: day.date, ...asMoney(day) })),
      totals: [...totals.values()].map(asMoney),
      lastEventAt: latest(found.map((r) => r.last)),
    });
  }

  /**
   * Admins: activity and money across the platform, per day (every day of the period) and per currency. Read from
   * the facts' quarter-hour counts and each user's first and last activity per UTC day (facts.ts), never the facts
   * themselves: a year is some 35,000 quarter hours, where it was millions of facts.
   */
  async platform(viewer: Viewer, period: Period) {
    requireRole(viewer, 'ADMIN', 'Only admins read platform figures.');
    const em = this.em.fork();
    const slots = table(em, 'fact_slots');
    const inSlots = inPeriod('slot');
    const [counted, money, active, [monthly]] = await Promise.all([
      rows<Omit<PlatformDay, 'activeUsers'> & { last: Date }>(
        em,
        `select to_char(slot at time zone ?, 'YYYY-MM-DD') as date,
           ${COUNT_COLUMNS},
           max(last_at) as last
         from ${slots} where ${inSlots} group by 1 order by 1`,
        [period.timeZone, ...bounds(period)],
      ),
      rows<{ date: string; currency: string; grossVolume: number; refunds: number }>(
        em,
        `select to_char(slot at time zone ?, 'YYYY-MM-DD') as date, currency,
           coalesce(sum(amount) filter (where kind in ${GROSS_KINDS}), 0)::bigint as "grossVolume",
           coalesce(sum(amount) filter (where kind = 'REFUND'), 0)::bigint as refunds
         from ${slots} where kind in ('PAYMENT', 'PLAN_PAYMENT', 'REFUND') and ${inSlots}
         group by 1, 2 order by 1, 2`,
        [period.timeZone, ...bounds(period)],
      ),
      rows<{ date: string; users: number; last: Date }>(em, activeUsersPerDay(em), activeUsersParams(period)),
      // Monthly active: anyone active in the 30 days that end with the period.
      rows<{ users: number }>(em, activeUsersIn(em), activeUsersInParams(shiftDays(period.to, -29), period)),
    ]);
    const byDay = new Map(counted.map(({ last: _last, ...day }) => [day.date, day]));
    const activeOn = new Map(active.map((row) => [row.date, row.users]));
    const empty = { signUps: 0, posts: 0, messages: 0, orders: 0, failedPayments: 0, deadLetters: 0 };
    return {
      days: daysOf(period).map((date) => ({
        ...(byDay.get(date) ?? { date, ...empty }),
        activeUsers: activeOn.get(date) ?? 0,
      })),
      money: money.map(numbers).map(({ date, currency, grossVolume, refunds }) => ({
        date,
        grossVolume: { amount: grossVolume, currency },
        refunds: { amount: refunds, currency },
      })),
      monthlyActiveUsers: monthly?.users ?? 0,
      lastEventAt: latest([...counted, ...active].map((r) => r.last)),
    };
  }

  async rebuild(viewer: Viewer) {
    requireRole(viewer, 'ADMIN', 'Only admins rebuild the analytics.');
    return rebuild(this.em.fork());
  }
}

const asMoney = ({ currency, orders, revenue, refunds, payouts }: SellerSums) => ({
  orders,
  revenue: { amount: revenue, currency },
  refunds: { amount: refunds, currency },
  payouts: { amount: payouts, currency },
});

/** PostgreSQL's bigint sums come back as strings; they are within JavaScript's safe integers. */
export function numbers<T extends object>(row: T): T {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [
      key,
      typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value,
    ]),
  ) as T;
}

export const latest = (times: (Date | string | null)[]) => {
  const ms = times.filter((t) => t !== null).map((t) => new Date(t!).getTime());
  return ms.length ? new Date(Math.max(...ms)) : null;
};

const shiftDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
