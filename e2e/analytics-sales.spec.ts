import { uuidv7 } from '@peerlink/platform/ids';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveCourseDocument,
  ArchiveProductDocument,
  CourseListingDocument,
  RebuildAnalyticsDocument,
  SellerSalesDocument,
  TopCoursesDocument,
  TopProductsDocument,
  type TopProductsQuery,
} from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import { instructor, publishedCourse } from './support/learning.js';
import { type Account, buy, listed, orderReaches, refundOrder, seller } from './support/marketplace.js';
import { makeAdmin, signUp, startTestStack, type TestStack } from './support/stack.js';
import { dateIn, todayIn } from './support/periods.js';

/**
 * Sales figures from events alone: after real purchases and refunds through the API, the public
 * rankings count only what is on sale now (by category, subcategories included), the seller's
 * report counts units and best sellers, an event told twice or late changes nothing, and a rebuild
 * from the analytics log gives the same figures.
 */
let t: TestStack;
let db: pg.Client;
beforeAll(async () => {
  t = await startTestStack();
  db = new pg.Client({ connectionString: t.databaseUrl });
  await db.connect();
});
afterAll(async () => {
  await db?.end();
  await t?.stop();
});

const HOME = '01a20000-0000-7000-8000-000000000200';
const FURNITURE = '01a20000-0000-7000-8000-000000000201';
const KITCHEN = '01a20000-0000-7000-8000-000000000202';
const BOOKS = '01a20000-0000-7000-8000-000000000400';

type Ranked = NonNullable<TopProductsQuery['topProducts']>['byUnits'][number];
const sales = (ranked: Ranked[]) => ranked.map((r) => ({ id: r.product?.id, title: r.title, units: r.units }));
const topProducts = async (category?: string, token?: string) =>
  (await ok(t.url, TopProductsDocument, { period: todayIn(), category, first: 25 }, token)).topProducts;
const unitsOf = (ranking: { byUnits: Ranked[] }, productId: string) =>
  ranking.byUnits.find((r) => r.product?.id === productId)?.units ?? 0;

/** Buys `quantity` of a product as one order, and waits until it is paid. */
async function bought(buyer: Account, productId: string, quantity = 1) {
  const order = (await buy(t, buyer, productId, 'pm_card_visa', quantity)).orders[0]!;
  await orderReaches(t, buyer, order.id, 'PAID');
  return order;
}

/** Waits until analytics has logged every one of these events. */
const logged = (ids: string[]) =>
  waitFor('the events in the analytics log', async () => {
    const { rows } = await db.query('select count(*)::int as n from analytics.event_log where event_id = any($1)', [
      [...new Set(ids)],
    ]);
    return rows[0].n === new Set(ids).size;
  });

let shop: Account;
const products: Record<'lamp' | 'shelf' | 'book', { id: string; title: string }> = {} as never;

describe('topProducts', () => {
  it('ranks what is on sale by units and by revenue per currency, for anyone, within a category tree', async () => {
    shop = await seller(t);
    products.lamp = await listed(t, shop, {
      title: 'Brass lamp',
      priceAmount: 1000,
      currency: 'chf',
      categoryId: KITCHEN,
      stock: 20,
    });
    products.shelf = await listed(t, shop, {
      title: 'Oak shelf',
      priceAmount: 3500,
      currency: 'chf',
      categoryId: FURNITURE,
    });
    products.book = await listed(t, shop, {
      title: 'Field guide',
      priceAmount: 500,
      currency: 'chf',
      categoryId: BOOKS,
    });
    const buyer = await signUp(t, 'buyer');
    await bought(buyer, products.lamp.id, 3);
    await bought(buyer, products.shelf.id);
    await bought(buyer, products.book.id, 2);
    const returned = await bought(buyer, products.lamp.id);
    await waitFor('four lamps sold', async () => unitsOf(await topProducts(HOME), products.lamp.id) === 4 || null);

    // Refunded in full, an order sold nothing.
    await refundOrder(t, shop, returned.id);
    const home = await waitFor('the refunded lamp taken off', async () => {
      const ranking = await topProducts(HOME);
      return unitsOf(ranking, products.lamp.id) === 3 ? ranking : null;
    });
    const { lamp, shelf, book } = products;
    const chf = (amount: number) => [{ amount, currency: 'chf' }];
    expect(home.byUnits).toEqual([
      { product: { id: lamp.id }, title: 'Brass lamp', units: 3, revenue: chf(3000) },
      { product: { id: shelf.id }, title: 'Oak shelf', units: 1, revenue: chf(3500) },
    ]);
    expect(home.byRevenue).toEqual([{ currencyCode: 'chf', products: [home.byUnits[1], home.byUnits[0]] }]);
    expect(Date.now() - Date.parse(home.lastEventAt!)).toBeLessThan(5 * 60_000);

    // A subcategory holds only its own; another tree none of these; no category, all of them.
    expect(sales((await topProducts(KITCHEN)).byUnits)).toEqual([{ id: lamp.id, title: 'Brass lamp', units: 3 }]);
    expect(sales((await topProducts(BOOKS)).byUnits)).toEqual([{ id: book.id, title: 'Field guide', units: 2 }]);
    const all = await topProducts(undefined, shop.token);
    expect([lamp, shelf, book].map((p) => unitsOf(all, p.id))).toEqual([3, 1, 2]);
    expect(all.byRevenue.find((r) => r.currencyCode === 'chf')?.products.map((p) => p.product?.id)).toEqual([
      shelf.id,
      lamp.id,
      book.id,
    ]);
    // `first` cuts each ranking.
    const one = (await ok(t.url, TopProductsDocument, { period: todayIn(), category: HOME, first: 1 })).topProducts;
    expect(sales(one.byUnits)).toEqual([{ id: lamp.id, title: 'Brass lamp', units: 3 }]);
    expect(one.byRevenue[0]!.products.map((p) => p.product?.id)).toEqual([shelf.id]);
  });

  it('drops a product once archived', async () => {
    await ok(t.url, ArchiveProductDocument, { id: products.shelf.id }, shop.token);
    const home = await waitFor('the archived shelf gone', async () => {
      const ranking = await topProducts(HOME);
      return unitsOf(ranking, products.shelf.id) === 0 ? ranking : null;
    });
    expect(sales(home.byUnits)).toEqual([{ id: products.lamp.id, title: 'Brass lamp', units: 3 }]);
  });

  it('refuses bad input with BAD_USER_INPUT', async () => {
    for (const variables of [
      { period: todayIn(), first: 0 },
      { period: todayIn(), first: 26 },
      { period: todayIn(), category: 'kitchen' },
      { period: { from: '2026-02-30', to: '2026-03-01' } },
      { period: { from: '2026-03-02', to: '2026-03-01' } },
      { period: { from: '2026-03-01', to: '2026-03-01', timeZone: 'Mars/Olympus' } },
    ])
      expect(await codes(t.url, TopProductsDocument, variables)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, TopCoursesDocument, { period: todayIn(), first: -1 })).toEqual(['BAD_USER_INPUT']);
  });
});

describe('the seller report’s units and best sellers', () => {
  it('counts units per day and ranks all the seller’s products, archived ones too; only for them and admins', async () => {
    // The refund's money comes from payments, the refunded order from marketplace: either may be told first.
    const sellerReport = await waitFor('the seller’s figures', async () => {
      const report = (await ok(t.url, SellerSalesDocument, { period: todayIn('Europe/Zurich') }, shop.token))
        .sellerReport;
      return report.totals[0]?.refunds.amount === 1000 && report.totals[0].units === 6 ? report : null;
    });
    expect(sellerReport.totals).toEqual([
      // Four orders; the refunded one's lamp is no unit sold, its money shows as a refund.
      { orders: 4, units: 6, revenue: { amount: 8500, currency: 'chf' }, refunds: { amount: 1000, currency: 'chf' } },
    ]);
    expect(sellerReport.days).toEqual([
      { date: dateIn('Europe/Zurich'), orders: 4, units: 6, revenue: { amount: 8500, currency: 'chf' } },
    ]);
    expect(sales(sellerReport.bestSellers.byUnits)).toEqual([
      { id: products.lamp.id, title: 'Brass lamp', units: 3 },
      { id: products.book.id, title: 'Field guide', units: 2 },
      { id: products.shelf.id, title: 'Oak shelf', units: 1 },
    ]);

    const rival = await seller(t);
    expect(await codes(t.url, SellerSalesDocument, { period: todayIn(), sellerId: shop.id }, rival.token)).toEqual([
      'FORBIDDEN',
    ]);
    expect((await ok(t.url, SellerSalesDocument, { period: todayIn() }, rival.token)).sellerReport.bestSellers).toEqual(
      {
        byUnits: [],
        byRevenue: [],
        lastEventAt: null,
      },
    );
  });
});

describe('topCourses', () => {
  it('ranks courses published now, and drops one once archived', async () => {
    const teacher = await instructor(t);
    const { course } = await publishedCourse(t, teacher, { priceAmount: 2900, currency: 'gbp' });
    const product = await waitFor('the course on sale', async () => {
      return (await ok(t.url, CourseListingDocument, { id: course.id })).course.product ?? null;
    });
    for (const who of ['student', 'student']) await bought(await signUp(t, who), product.id);
    const ranked = await waitFor('two enrollments sold', async () => {
      const { topCourses } = await ok(t.url, TopCoursesDocument, { period: todayIn() });
      return topCourses.byUnits.find((c) => c.course?.id === course.id)?.units === 2 ? topCourses : null;
    });
    const gbp = {
      currencyCode: 'gbp',
      courses: [
        { course: { id: course.id }, title: course.title, units: 2, revenue: [{ amount: 5800, currency: 'gbp' }] },
      ],
    };
    expect(ranked.byRevenue).toContainEqual(gbp);
    // Courses are not products in topProducts.
    expect(unitsOf(await topProducts(), product.id)).toBe(0);

    await ok(t.url, ArchiveCourseDocument, { id: course.id }, teacher.token);
    await waitFor('the archived course gone', async () => {
      const { topCourses } = await ok(t.url, TopCoursesDocument, { period: todayIn() });
      return topCourses.byUnits.every((c) => c.course?.id !== course.id) || null;
    });
  });
});

describe('events told twice or late', () => {
  it('change no figure', async () => {
    const owner = await seller(t);
    const lamp = await listed(t, owner, {
      title: 'Desk lamp',
      priceAmount: 1200,
      currency: 'sek',
      categoryId: KITCHEN,
    });
    const order = await bought(await signUp(t, 'buyer'), lamp.id, 2);
    await waitFor('two desk lamps sold', async () => unitsOf(await topProducts(KITCHEN), lamp.id) === 2 || null);

    const bus = t.stack.infrastructure.bus;
    const paid = {
      orderId: order.id,
      buyerId: owner.id,
      sellerId: owner.id,
      status: 'PAID',
      previousStatus: 'PENDING_PAYMENT',
      amount: 2400,
      currency: 'sek',
      summary: '2 × Desk lamp',
      trackingNumber: null,
      digitalFileIds: [],
      purpose: 'SALE',
      ships: true,
      lines: [
        { productId: lamp.id, kind: 'PHYSICAL', quantity: 2, unitAmount: 1200, courseId: null, categoryId: KITCHEN },
      ],
    };
    // The same event twice, the same fact under another id, and the product "archived" by an event older than its
    // listing (a late retry): none changes the figures.
    const ids = [uuidv7(), uuidv7(), uuidv7(Date.now() - 3_600_000)];
    const occurredAt = new Date().toISOString();
    for (const id of [ids[0]!, ids[0]!, ids[1]!])
      await bus.publish({ id, name: 'marketplace.order.changed', occurredAt, payload: paid });
    await bus.publish({
      id: ids[2]!,
      name: 'marketplace.product.changed',
      occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
      payload: {
        productId: lamp.id,
        sellerId: owner.id,
        kind: 'PHYSICAL',
        title: 'Desk lamp',
        status: 'ARCHIVED',
        categoryId: KITCHEN,
        categoryPath: [HOME, KITCHEN],
        priceAmount: 1200,
        currency: 'sek',
        courseId: null,
      },
    });
    await logged(ids);
    const kitchen = await topProducts(KITCHEN);
    expect(unitsOf(kitchen, lamp.id)).toBe(2);
    expect(kitchen.byRevenue.find((r) => r.currencyCode === 'sek')?.products[0]?.revenue).toEqual([
      { amount: 2400, currency: 'sek' },
    ]);
    const { sellerReport } = await ok(t.url, SellerSalesDocument, { period: todayIn() }, owner.token);
    expect(sellerReport.totals.map((total) => total.units)).toEqual([2]);
  });
});

describe('a rebuild', () => {
  it('gives the figures the live projection gave', async () => {
    const admin = await signUp(t, 'admin');
    await makeAdmin(t, admin.username);
    const read = async () => ({
      products: await topProducts(),
      home: await topProducts(HOME),
      courses: (await ok(t.url, TopCoursesDocument, { period: todayIn() })).topCourses,
      seller: (await ok(t.url, SellerSalesDocument, { period: todayIn(), sellerId: shop.id }, admin.token))
        .sellerReport,
    });
    const live = await read();
    expect(live.products.byUnits.length).toBeGreaterThanOrEqual(3);
    const { rebuildAnalytics } = await ok(t.url, RebuildAnalyticsDocument, {}, admin.token);
    expect(rebuildAnalytics.events).toBeGreaterThan(0);
    expect(await read()).toEqual(live);
  });
});
