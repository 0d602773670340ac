import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { rows, table } from '@peerlink/platform/db/sql';
import { isUuid } from '@peerlink/platform/ids';
import { notFound } from '@peerlink/platform/errors';
import { type Period, daysOf } from './period.js';
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
export const IN_PERIOD =
  'occurred_at >= (?::date)::timestamp at time zone ? and occurred_at < (?::date + 1)::timestamp at time zone ?';
export const DAY = `to_char(occurred_at at time zone ?, 'YYYY-MM-DD')`;
export const bounds = (p: Period) => [p.from, p.timeZone, p.to, p.timeZone];

/** Who did something, or used the app signed in (SESSION_ACTIVE): every fact with an actor but refunds and payouts. */
const ACTIVE_KINDS = `('SIGN_UP', 'SIGN_IN', 'SESSION_ACTIVE', 'POST', 'MESSAGE', 'ORDER', 'PAYMENT')`;
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

  /** Admins: activity and money across the platform, per day (every day of the period) and per currency. */
  async platform(viewer: Viewer, period: Period) {
    requireRole(viewer, 'ADMIN', 'Only admins read platform figures.');
    const em = this.em.fork();
    const facts = table(em, 'facts');
    const [counted, money, [monthly]] = await Promise.all([
      rows<PlatformDay & { last: Date }>(
        em,
        `select ${DAY} as date,
           (count(distinct actor_id) filter (where kind in ${ACTIVE_KINDS}))::int as "activeUsers",
           (count(*) filter (where kind = 'SIGN_UP'))::int as "signUps",
           (count(*) filter (where kind = 'POST'))::int as posts,
           (count(*) filter (where kind = 'MESSAGE'))::int as messages,
           (count(*) filter (where kind = 'ORDER'))::int as orders,
           (count(*) filter (where kind = 'PAYMENT_FAILED'))::int as "failedPayments",
           (count(*) filter (where kind = 'DEAD_LETTER'))::int as "deadLetters",
           max(occurred_at) as last
         from ${facts} where ${IN_PERIOD} group by 1 order by 1`,
        [period.timeZone, ...bounds(period)],
      ),
      rows<{ date: string; currency: string; grossVolume: number; refunds: number }>(
        em,
        `select ${DAY} as date, currency,
           coalesce(sum(amount) filter (where kind in ${GROSS_KINDS}), 0)::bigint as "grossVolume",
           coalesce(sum(amount) filter (where kind = 'REFUND'), 0)::bigint as refunds
         from ${facts} where kind in ('PAYMENT', 'PLAN_PAYMENT', 'REFUND') and ${IN_PERIOD}
         group by 1, 2 order by 1, 2`,
        [period.timeZone, ...bounds(period)],
      ),
      // Monthly active: anyone active in the 30 days that end with the period.
      rows<{ users: number }>(
        em,
        `select count(distinct actor_id)::int as users from ${facts}
         where kind in ${ACTIVE_KINDS} and ${IN_PERIOD}`,
        [shiftDays(period.to, -29), period.timeZone, period.to, period.timeZone],
      ),
    ]);
    const byDay = new Map(counted.map(({ last: _last, ...day }) => [day.date, day]));
    const empty = { activeUsers: 0, signUps: 0, posts: 0, messages: 0, orders: 0, failedPayments: 0, deadLetters: 0 };
    return {
      days: daysOf(period).map((date) => byDay.get(date) ?? { date, ...empty }),
      money: money.map(numbers).map(({ date, currency, grossVolume, refunds }) => ({
        date,
        grossVolume: { amount: grossVolume, currency },
        refunds: { amount: refunds, currency },
      })),
      monthlyActiveUsers: monthly?.users ?? 0,
      lastEventAt: latest(counted.map((r) => r.last)),
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
