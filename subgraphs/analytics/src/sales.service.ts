import type { EntityManager } from '@mikro-orm/postgresql';
import { rows, table } from '@peerlink/platform/db/sql';
import { badInput } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import type { Money } from '@peerlink/platform/graphql/money';
import { bounds, inPeriod, type Period } from './period.js';

export const MAX_RANKED = 25;
const BEST_SELLERS = 10;

/** One item's sales in a period (a product, or a course), with its place in each ranking. */
interface Sold {
  id: string;
  title: string | null;
  units: number;
  revenue: Money[];
}

interface Ranking {
  byUnits: Sold[];
  byRevenue: { currency: string; items: Sold[] }[];
  lastEventAt: Date | null;
}

/** Which lines a ranking counts and how it names them, as SQL over `sales_lines l`. */
interface Ranked {
  item: 'product_id' | 'course_id';
  joins: string;
  title: string;
  where: string;
  params: unknown[];
}

/** Lines paid in the period, as calendar days in its time zone. */
const IN_PERIOD = inPeriod('l.occurred_at');
const ON_SALE = `('ACTIVE', 'SOLD_OUT')`;

export function checkedFirst(first: number | null | undefined): number {
  const n = first ?? 10;
  if (!Number.isInteger(n) || n < 1 || n > MAX_RANKED) throw badInput(`first is 1 to ${MAX_RANKED}.`, 'first');
  return n;
}

/** Rankings of what sold: every query reads the sales read models (sales.ts) and nothing else. */
export class SalesService {
  constructor(private readonly em: EntityManager) {}

  /** Products on sale now (not courses, ranked apart); in `categoryId` or any of its subcategories if given. */
  topProducts(period: Period, categoryId: string | null | undefined, first: number): Promise<Ranking> {
    if (categoryId != null && !isUuid(categoryId)) throw badInput('category is a category id.', 'category');
    const em = this.em.fork();
    return rank(em, period, first, {
      item: 'product_id',
      joins: `join ${table(em, 'sales_products')} p on p.product_id = l.product_id`,
      title: 'p.title',
      where: `l.kind in ('PHYSICAL', 'DIGITAL') and p.status in ${ON_SALE}${
        categoryId
          ? ` and l.category_id in (select category_id from ${table(em, 'sales_categories')} where ?::uuid = any(path))`
          : ''
      }`,
      params: categoryId ? [categoryId.toLowerCase()] : [],
    });
  }

  /** Courses published now. */
  topCourses(period: Period, first: number): Promise<Ranking> {
    const em = this.em.fork();
    return rank(em, period, first, {
      item: 'course_id',
      joins: `join ${table(em, 'sales_courses')} c on c.course_id = l.course_id`,
      title: 'c.title',
      where: `l.kind = 'COURSE' and not c.archived and c.title is not null`,
      params: [],
    });
  }

  /** A seller's own best sellers, whatever their state now (drafts and archived ones are theirs to see). */
  bestSellers(em: EntityManager, sellerId: string, period: Period): Promise<Ranking> {
    return rank(em, period, BEST_SELLERS, {
      item: 'product_id',
      joins: `left join ${table(em, 'sales_products')} p on p.product_id = l.product_id
        left join ${table(em, 'sales_courses')} c on c.course_id = l.course_id`,
      title: 'coalesce(p.title, c.title)',
      where: 'l.seller_id = ?',
      params: [sellerId],
    });
  }

  /** A seller's units per day and currency, of orders paid and not since cancelled or refunded in full. */
  unitsByDay(em: EntityManager, sellerId: string, period: Period) {
    return rows<{ date: string; currency: string; units: number; last: Date }>(
      em,
      `select to_char(l.occurred_at at time zone ?, 'YYYY-MM-DD') as date, l.currency,
         (coalesce(sum(l.quantity) filter (where e.order_id is null), 0))::int as units,
         max(greatest(l.occurred_at, e.occurred_at)) as last
       from ${table(em, 'sales_lines')} l left join ${table(em, 'sales_order_ends')} e on e.order_id = l.order_id
       where l.seller_id = ? and ${IN_PERIOD}
       group by 1, 2 order by 1, 2`,
      [period.timeZone, sellerId, ...bounds(period)],
    );
  }
}

/**
 * The top `first` items by units and, per currency, by revenue (ties by id, for a stable order). An order cancelled or
 * refunded in full counts for nothing, though its end still dates the figures.
 */
async function rank(em: EntityManager, period: Period, first: number, q: Ranked): Promise<Ranking> {
  const lines = `${table(em, 'sales_lines')} l ${q.joins}
    left join ${table(em, 'sales_order_ends')} e on e.order_id = l.order_id`;
  const [found, [latest]] = await Promise.all([
    rows<{
      id: string;
      title: string | null;
      currency: string;
      units: string;
      revenue: string;
      by_units: string;
      by_revenue: string;
    }>(
      em,
      `with sold as (
         select l.${q.item} as id, l.currency, max(${q.title}) as title, sum(l.quantity)::bigint as units,
           sum(l.quantity * l.unit_amount)::bigint as revenue
         from ${lines}
         where e.order_id is null and l.${q.item} is not null and ${q.where} and ${IN_PERIOD}
         group by 1, 2
       ), items as (
         select id, row_number() over (order by sum(units) desc, id) as by_units
         from sold group by id
       ), ranked as (
         select s.*, i.by_units,
           row_number() over (partition by s.currency order by s.revenue desc, s.units desc, s.id) as by_revenue
         from sold s join items i using (id)
       )
       select * from ranked where id in (select id from ranked where by_units <= ? or by_revenue <= ?)`,
      [...q.params, ...bounds(period), first, first],
    ),
    rows<{ last: Date | null }>(
      em,
      `select max(greatest(l.occurred_at, e.occurred_at)) as last from ${lines} where ${q.where} and ${IN_PERIOD}`,
      [...q.params, ...bounds(period)],
    ),
  ]);
  const items = new Map<string, Sold & { place: number }>();
  for (const row of found) {
    const item = items.get(row.id) ?? {
      id: row.id,
      title: row.title,
      units: 0,
      revenue: [],
      place: Number(row.by_units),
    };
    item.units += Number(row.units);
    item.revenue.push({ amount: Number(row.revenue), currency: row.currency });
    item.revenue.sort((a, b) => a.currency.localeCompare(b.currency));
    items.set(row.id, item);
  }
  const strip = ({ place: _place, ...item }: Sold & { place: number }): Sold => item;
  const byUnits = [...items.values()].filter((i) => i.place <= first).sort((a, b) => a.place - b.place);
  const byCurrency = new Map<string, { place: number; item: Sold }[]>();
  for (const row of found) {
    if (Number(row.by_revenue) > first) continue;
    const list = byCurrency.get(row.currency) ?? [];
    list.push({ place: Number(row.by_revenue), item: strip(items.get(row.id)!) });
    byCurrency.set(row.currency, list);
  }
  return {
    byUnits: byUnits.map(strip),
    byRevenue: [...byCurrency.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([currency, list]) => ({ currency, items: list.sort((a, b) => a.place - b.place).map((l) => l.item) })),
    lastEventAt: latest?.last ? new Date(latest.last) : null,
  };
}

interface SellerDayShape {
  date: string;
  orders: number;
  revenue: Money;
  refunds: Money;
  payouts: Money;
}

/**
 * A seller report with units added (per day and currency, and in all) and best sellers: the days of units with no
 * other figure join the list, and the latest event of either dates it.
 */
export async function withSales<
  Report extends {
    sellerId: string;
    days: SellerDayShape[];
    totals: Omit<SellerDayShape, 'date'>[];
    lastEventAt: Date | null;
  },
>(em: EntityManager, period: Period, report: Report) {
  const sales = new SalesService(em);
  const [units, bestSellers] = await Promise.all([
    sales.unitsByDay(em, report.sellerId, period),
    sales.bestSellers(em, report.sellerId, period),
  ]);
  const zero = (currency: string) => ({ amount: 0, currency });
  const empty = (currency: string) => ({
    orders: 0,
    revenue: zero(currency),
    refunds: zero(currency),
    payouts: zero(currency),
  });
  const days = new Map(report.days.map((day) => [`${day.date}|${day.revenue.currency}`, { ...day, units: 0 }]));
  const totals = new Map(report.totals.map((total) => [total.revenue.currency, { ...total, units: 0 }]));
  let last = report.lastEventAt?.getTime() ?? null;
  for (const row of units) {
    const key = `${row.date}|${row.currency}`;
    if (row.units) {
      const day = days.get(key) ?? { date: row.date, ...empty(row.currency), units: 0 };
      day.units += row.units;
      days.set(key, day);
      const total = totals.get(row.currency) ?? { ...empty(row.currency), units: 0 };
      total.units += row.units;
      totals.set(row.currency, total);
    }
    last = Math.max(last ?? 0, new Date(row.last).getTime());
  }
  const ordered = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return {
    ...report,
    days: [...days.entries()].sort(([a], [b]) => ordered(a, b)).map(([, day]) => day),
    totals: [...totals.entries()].sort(([a], [b]) => ordered(a, b)).map(([, total]) => total),
    bestSellers: productRanking(bestSellers),
    lastEventAt: last === null ? null : new Date(last),
  };
}

const productSales = (item: Sold) => ({
  product: { id: item.id },
  title: item.title,
  units: item.units,
  revenue: item.revenue,
});
const courseSales = (item: Sold) => ({
  course: { id: item.id },
  title: item.title,
  units: item.units,
  revenue: item.revenue,
});

export const productRanking = (r: Ranking) => ({
  byUnits: r.byUnits.map(productSales),
  byRevenue: r.byRevenue.map(({ currency, items }) => ({ currencyCode: currency, products: items.map(productSales) })),
  lastEventAt: r.lastEventAt,
});

export const courseRanking = (r: Ranking) => ({
  byUnits: r.byUnits.map(courseSales),
  byRevenue: r.byRevenue.map(({ currency, items }) => ({ currencyCode: currency, courses: items.map(courseSales) })),
  lastEventAt: r.lastEventAt,
});
