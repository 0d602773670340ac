import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { PlatformReportDocument, RebuildAnalyticsDocument, SellerReportDocument } from './generated/graphql.js';
import { codes, ok } from './support/client.js';
import { buy, listed, orderReaches, refundOrder, seller } from './support/marketplace.js';
import { post } from './support/social.js';
import { makeAdmin, signUp, startTestStack, type TestStack } from './support/stack.js';
import { dateIn, todayIn } from './support/periods.js';

/**
 * Reports from read models fed only by events: after real sales and refunds through the API, the
 * seller's and the platform's figures are right, a rebuild from the analytics event log gives the
 * same, and an event told twice changes nothing.
 */
let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(() => t?.stop());

describe('the seller report', () => {
  it('shows a seller’s orders, revenue and refunds per day and in all, only to them (and admins)', async () => {
    const shop = await seller(t);
    const product = await listed(t, shop, { title: 'Oak shelf', priceAmount: 2500, currency: 'eur', stock: 5 });
    const buyer = await signUp(t, 'buyer');
    const first = (await buy(t, buyer, product.id)).orders[0]!;
    await orderReaches(t, buyer, first.id, 'PAID');
    const second = (await buy(t, buyer, product.id)).orders[0]!;
    await orderReaches(t, buyer, second.id, 'PAID');
    await refundOrder(t, shop, second.id, 1000);

    const report = await waitFor('the seller’s figures', async () => {
      const { sellerReport } = await ok(t.url, SellerReportDocument, { period: todayIn('Europe/Lisbon') }, shop.token);
      return sellerReport.totals[0]?.refunds.amount === 1000 ? sellerReport : null;
    });
    expect(report.sellerId).toBe(shop.id);
    const eur = (amount: number) => ({ amount, currency: 'eur' });
    expect(report.totals).toEqual([{ orders: 2, revenue: eur(5000), refunds: eur(1000), payouts: eur(0) }]);
    expect(report.days).toEqual([{ date: dateIn('Europe/Lisbon'), ...report.totals[0] }]);
    expect(Date.now() - Date.parse(report.lastEventAt!)).toBeLessThan(5 * 60_000);

    // Another seller, a buyer and an anonymous caller cannot read it; an admin can.
    const rival = await seller(t);
    expect(await codes(t.url, SellerReportDocument, { period: todayIn(), sellerId: shop.id }, rival.token)).toEqual([
      'FORBIDDEN',
    ]);
    expect(await codes(t.url, SellerReportDocument, { period: todayIn() }, buyer.token)).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, SellerReportDocument, { period: todayIn() })).toEqual(['UNAUTHENTICATED']);
    const admin = await signUp(t, 'admin');
    await makeAdmin(t, admin.username);
    const asAdmin = await ok(t.url, SellerReportDocument, { period: todayIn(), sellerId: shop.id }, admin.token);
    expect(asAdmin.sellerReport.totals).toEqual(report.totals);
    // The rival's own report is empty.
    expect((await ok(t.url, SellerReportDocument, { period: todayIn() }, rival.token)).sellerReport.totals).toEqual([]);
  });

  it('refuses bad periods with BAD_USER_INPUT', async () => {
    const shop = await seller(t);
    for (const bad of [
      { from: '2026-13-01', to: '2026-12-01' },
      { from: '2026-12-06', to: '2026-12-01' },
      { from: '2026-12-01', to: '2026-12-02', timeZone: 'Nowhere/Else' },
    ])
      expect(await codes(t.url, SellerReportDocument, { period: bad }, shop.token)).toEqual(['BAD_USER_INPUT']);
  });
});

describe('the platform report', () => {
  it('counts activity and money for admins only, and a rebuild from the log gives the same figures', async () => {
    const admin = await signUp(t, 'admin');
    await makeAdmin(t, admin.username);
    const writer = await signUp(t, 'writer');
    await post(t, writer, 'Hello analytics');
    expect(await codes(t.url, PlatformReportDocument, { period: todayIn() }, writer.token)).toEqual(['FORBIDDEN']);

    const report = await waitFor('the platform figures', async () => {
      const { platformReport } = await ok(t.url, PlatformReportDocument, { period: todayIn() }, admin.token);
      const day = platformReport.days.find((d) => d.date === dateIn());
      return day && day.posts >= 1 && day.signUps >= 2 && platformReport.money.length ? platformReport : null;
    });
    const day = report.days.find((d) => d.date === dateIn())!;
    expect(day.activeUsers).toBeGreaterThanOrEqual(2);
    expect(report.monthlyActiveUsers).toBeGreaterThanOrEqual(day.activeUsers);
    expect(report.money.find((m) => m.grossVolume.currency === 'eur')?.grossVolume.amount).toBeGreaterThanOrEqual(5000);

    const { rebuildAnalytics } = await ok(t.url, RebuildAnalyticsDocument, {}, admin.token);
    expect(rebuildAnalytics.events).toBeGreaterThan(0);
    const rebuilt = (await ok(t.url, PlatformReportDocument, { period: todayIn() }, admin.token)).platformReport;
    expect(rebuilt).toEqual(report);
    expect(await codes(t.url, RebuildAnalyticsDocument, {}, writer.token)).toEqual(['FORBIDDEN']);
  });

  it('refuses bad periods and time zones with BAD_USER_INPUT, even to admins', async () => {
    const admin = await signUp(t, 'admin');
    await makeAdmin(t, admin.username);
    for (const bad of [
      { from: '2026-02-30', to: '2026-03-01' },
      { from: '2026-12-06', to: '2026-12-01' },
      { from: '2025-01-01', to: '2026-12-31' },
      { from: '2026-12-01', to: '2026-12-02', timeZone: 'Nowhere/Else' },
    ])
      expect(await codes(t.url, PlatformReportDocument, { period: bad }, admin.token)).toEqual(['BAD_USER_INPUT']);
  });

  it('counts the events a service gave up on, as the bus tells of them', async () => {
    const admin = await signUp(t, 'admin');
    await makeAdmin(t, admin.username);
    const deadLetters = async () =>
      (await ok(t.url, PlatformReportDocument, { period: todayIn() }, admin.token)).platformReport.days[0]!.deadLetters;
    const before = await deadLetters();
    // A consumer that cannot handle what it is given: after its last attempt the event is a dead letter.
    const bus = t.stack.infrastructure.bus;
    const stop = await bus.consume('analytics-test-fragile', ['test.analytics.fragile'], async () => {
      throw new Error('cannot handle it');
    });
    try {
      await bus.publish({
        id: crypto.randomUUID(),
        name: 'test.analytics.fragile',
        occurredAt: new Date().toISOString(),
        payload: {},
      });
      expect(
        await waitFor('the dead letter counted', async () => ((await deadLetters()) > before ? deadLetters() : null)),
      ).toBe(before + 1);
    } finally {
      await stop();
    }
  });

  it('counts an event told twice, or a fact told by another event, once', async () => {
    const shop = await seller(t);
    const admin = await signUp(t, 'admin');
    await makeAdmin(t, admin.username);
    const bus = t.stack.infrastructure.bus;
    const payment = {
      paymentId: crypto.randomUUID(),
      orderId: crypto.randomUUID(),
      buyerId: admin.id,
      sellerId: shop.id,
      amount: 700,
      currency: 'usd',
    };
    const ids = [crypto.randomUUID(), crypto.randomUUID()];
    for (const id of [ids[0]!, ids[0]!, ids[1]!])
      await bus.publish({
        id,
        name: 'payments.payment.succeeded',
        occurredAt: new Date().toISOString(),
        payload: payment,
      });
    const db = new pg.Client({ connectionString: t.databaseUrl });
    await db.connect();
    try {
      await waitFor('both events in the analytics log', async () => {
        const { rows } = await db.query('select count(*)::int as n from analytics.event_log where event_id = any($1)', [
          ids,
        ]);
        return rows[0].n === 2;
      });
    } finally {
      await db.end();
    }
    const { sellerReport } = await ok(
      t.url,
      SellerReportDocument,
      { period: todayIn(), sellerId: shop.id },
      admin.token,
    );
    const usd = (amount: number) => ({ amount, currency: 'usd' });
    expect(sellerReport.totals).toEqual([{ orders: 0, revenue: usd(700), refunds: usd(0), payouts: usd(0) }]);
  });
});
