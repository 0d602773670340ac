import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformReportDocument, StorageReportDocument, TopProductsDocument } from './generated/graphql.js';
import { launchChromium, watchPage } from './support/browser.js';
import { chatHelpers } from './support/chat.js';
import { upload } from './support/drive.js';
import { ok } from './support/client.js';
import { buy, listed, orderReaches, refundOrder, seller } from './support/marketplace.js';
import { member, post } from './support/social.js';
import { makeAdmin, startTestStack, type TestStack } from './support/stack.js';
import { dateIn } from './support/periods.js';

/**
 * The admins' reports page (/admin/reports), driven in headless Chromium: an admin signs in on it and sees
 * the platform report drawn by Chart.js from the gateway's own copy; anyone else is told FORBIDDEN.
 */
const TIME_ZONE = 'Europe/Lisbon';

let t: TestStack;
let browser: Browser;
let artifacts: string;
beforeAll(async () => {
  t = await startTestStack();
  browser = await launchChromium();
  artifacts = mkdtempSync(join(tmpdir(), 'admin-reports-'));
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  if (artifacts) rmSync(artifacts, { recursive: true, force: true });
});
const chat = chatHelpers(() => t);

const today = () => dateIn(TIME_ZONE);
const daysAfter = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/**
 * A browser in Lisbon's time zone that records requests outside the gateway and what the browser
 * refused (a CSP violation is reported on the console), so each test can check there was neither.
 */
async function openPage() {
  const context = await browser.newContext({ timezoneId: TIME_ZONE, viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  const clean = watchPage(page, new URL(t.url).origin);
  await page.goto(new URL('/admin/reports', t.url).href);
  return { context, page, clean };
}

async function signIn(page: Page, user: { username: string; password: string }) {
  await page.getByLabel('Email or username').fill(user.username);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** What each chart on the page holds and whether it painted anything, read from Chart.js and the canvas. */
function chartsOn(page: Page) {
  return page.evaluate(() => {
    type Drawn = { data: { labels: string[]; datasets: { label: string; data: number[] }[] } };
    const { Chart } = globalThis as unknown as { Chart: { getChart(canvas: HTMLCanvasElement): Drawn | undefined } };
    return Array.from(document.querySelectorAll('canvas')).map((canvas) => {
      const chart = Chart.getChart(canvas);
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let painted = 0;
      for (let alpha = 3; alpha < pixels.length; alpha += 4) if (pixels[alpha]) painted++;
      return {
        id: canvas.dataset.chart!,
        labels: chart?.data.labels ?? [],
        series: Object.fromEntries(chart?.data.datasets.map((d) => [d.label, d.data]) ?? []),
        painted,
        label: canvas.getAttribute('aria-label') ?? '',
      };
    });
  });
}

/** How many distinct colours a PNG has, decoded by Chromium itself: a blank screenshot has one. */
async function coloursIn(context: BrowserContext, png: Buffer) {
  const page = await context.newPage();
  try {
    return await page.evaluate(async (base64) => {
      const image = new Image();
      image.src = `data:image/png;base64,${base64}`;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.naturalWidth;
      canvas.height = image.naturalHeight;
      const drawing = canvas.getContext('2d')!;
      drawing.drawImage(image, 0, 0);
      const pixels = new Uint32Array(drawing.getImageData(0, 0, canvas.width, canvas.height).data.buffer);
      return { width: canvas.width, height: canvas.height, colours: new Set(pixels).size };
    }, png.toString('base64'));
  } finally {
    await page.close();
  }
}

describe('the admin reports page', () => {
  it('signs an admin in and draws the platform report as charts, from the gateway’s own assets', async () => {
    // Some of everything the report counts, through the API.
    const admin = await member(t, 'admin');
    await makeAdmin(t, admin.username);
    const writer = await member(t, 'writer');
    await post(t, writer, 'Charts, please');
    const conversation = await chat.openDirect(writer, admin);
    await chat.send(writer, conversation.id, 'Have you seen the reports?');
    const shop = await seller(t);
    const lamp = await listed(t, shop, { title: 'Brass lamp', priceAmount: 4200, currency: 'eur', stock: 5 });
    const paid = (await buy(t, writer, lamp.id)).orders[0]!;
    await orderReaches(t, writer, paid.id, 'PAID');
    await refundOrder(t, shop, paid.id, 1200);
    const declined = (await buy(t, writer, lamp.id, 'pm_card_chargeDeclined')).orders[0]!;
    await orderReaches(t, writer, declined.id, 'PAYMENT_FAILED');
    const period = { from: today(), to: today(), timeZone: TIME_ZONE };
    await waitFor('the platform report to count it all', async () => {
      const { platformReport } = await ok(t.url, PlatformReportDocument, { period }, admin.token);
      const day = platformReport.days[0]!;
      const refunded = platformReport.money.find((m) => m.refunds.currency === 'eur')?.refunds.amount ?? 0;
      return day.posts && day.messages && day.orders >= 2 && day.failedPayments && refunded >= 1200;
    });
    await upload(t.url, writer.token, 'notes.txt', Buffer.alloc(2_000_000, 'a'));
    await waitFor('the upload stored and the lamp ranked', async () => {
      const { storageReport } = await ok(t.url, StorageReportDocument, { period }, admin.token);
      const { topProducts } = await ok(t.url, TopProductsDocument, { period });
      return storageReport!.days[0]!.bytes >= 2_000_000 && topProducts!.byUnits.some((p) => p.title === 'Brass lamp');
    });

    const { context, page, clean } = await openPage();
    try {
      // The chart library is the gateway's copy of the pinned chart.js, under the pages' strict CSP.
      const library = await page.request.get(new URL('/admin/vendor/chart.umd.min.js', t.url).href);
      expect(library.status()).toBe(200);
      expect(await library.text()).toMatch(/Chart\.js v4\./);
      await signIn(page, admin);
      await page.locator('canvas[data-chart="failures"]').waitFor();
      await page.waitForFunction(() => {
        const canvases = Array.from(document.querySelectorAll('canvas'));
        const { Chart } = globalThis as unknown as { Chart: { getChart(canvas: HTMLCanvasElement): unknown } };
        return canvases.length >= 7 && canvases.every((canvas) => Chart.getChart(canvas));
      });
      await expect(
        page.getByText(`Days run midnight to midnight in your time zone, ${TIME_ZONE}.`).count(),
      ).resolves.toBe(1);
      // The token stays in this tab's sessionStorage, never in localStorage.
      expect(await page.evaluate(() => localStorage.length)).toBe(0);
      expect(await page.evaluate(() => sessionStorage.getItem('peerlink.admin.accessToken'))).toBeTruthy();

      const charts = await chartsOn(page);
      expect(charts.map((c) => c.id)).toEqual([
        'active-users',
        'activity',
        'money-eur',
        'failures',
        'top-products',
        'stored',
        'storage-moves',
      ]);
      // Nothing of the rankings is a day: the lamp leads its products; no course sold, and the page says so.
      const ranked = charts.find((c) => c.id === 'top-products')!;
      expect(ranked.labels).toContain('Brass lamp');
      expect(ranked.painted).toBeGreaterThan(1000);
      await expect(page.getByText('No courses sold in this period.').count()).resolves.toBe(1);
      const daily = charts.filter((c) => c !== ranked);
      const stored = daily.find((c) => c.id === 'stored')!.series.Stored!;
      expect(stored.at(-1)).toBeGreaterThanOrEqual(2);
      for (const chart of daily) {
        // Thirty days to today in the browser's zone, every one with a value, and pixels on the canvas.
        expect(chart.labels).toHaveLength(30);
        expect(chart.labels.at(-1)).toBe(today());
        for (const values of Object.values(chart.series)) expect(values).toHaveLength(30);
        expect(chart.painted).toBeGreaterThan(1000);
      }
      const [active, activity, money, failed] = daily.map((c) => c.series);
      const lastOf = (values: number[] | undefined) => values!.at(-1)!;
      expect(lastOf(active!['Active users'])).toBeGreaterThanOrEqual(3);
      expect(lastOf(activity!['Sign-ups'])).toBeGreaterThanOrEqual(3);
      expect(lastOf(activity!.Posts)).toBeGreaterThanOrEqual(1);
      expect(lastOf(activity!.Messages)).toBeGreaterThanOrEqual(1);
      expect(lastOf(activity!.Orders)).toBeGreaterThanOrEqual(2);
      // Money in major units: 42.00 paid, 12.00 refunded.
      expect(lastOf(money!['Gross volume'])).toBeGreaterThanOrEqual(42);
      expect(lastOf(money!.Refunds)).toBeGreaterThanOrEqual(12);
      expect(lastOf(failed!['Failed payments'])).toBeGreaterThanOrEqual(1);
      expect(failed!['Dead letters']).toHaveLength(30);
      expect(charts[2]!.label).toMatch(/€42\.00 paid, €12\.00 refunded/);

      const screenshot = join(artifacts, 'admin-reports.png');
      await page.screenshot({ path: screenshot, fullPage: true });
      const png = readFileSync(screenshot);
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      const picture = await coloursIn(context, png);
      expect(picture.width).toBe(1200);
      expect(picture.height).toBeGreaterThan(900);
      expect(picture.colours).toBeGreaterThan(20);

      // Another period redraws the charts, and signing out forgets the token.
      await page.getByLabel('From').fill(today());
      await page.getByRole('button', { name: 'Show' }).click();
      await page.waitForFunction(() => {
        const { Chart } = globalThis as unknown as {
          Chart: { getChart(canvas: HTMLCanvasElement): { data: { labels: string[] } } | undefined };
        };
        // The daily charts, each now of one day (the rankings are of products, not days).
        const canvases = Array.from(document.querySelectorAll('canvas')).filter(
          (c) => c.dataset.chart !== 'top-products',
        );
        return canvases.length === 6 && canvases.every((canvas) => Chart.getChart(canvas)?.data.labels.length === 1);
      });
      // A period the API refuses is said in the page, in its words.
      await page.getByLabel('From').fill(daysAfter(today(), 1));
      await page.getByRole('button', { name: 'Show' }).click();
      await page.getByText('from comes after to.').waitFor();
      expect(await page.locator('canvas').count()).toBe(0);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
      expect(await page.locator('canvas').count()).toBe(0);
      clean();
    } finally {
      await context.close();
    }
  });

  it('tells a non-admin FORBIDDEN and a wrong password why, and draws nothing', async () => {
    const writer = await member(t, 'writer');
    const { context, page, clean } = await openPage();
    try {
      await signIn(page, { username: writer.username, password: 'not the password 1' });
      await page.getByText('Wrong email, username or password.').waitFor();
      expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

      await signIn(page, writer);
      await page.getByRole('heading', { name: 'Not an administrator' }).waitFor();
      await expect(page.getByRole('alert').textContent()).resolves.toMatch(
        /FORBIDDEN: only administrators may see these reports/,
      );
      // Not even the public rankings: the admins' page shows a non-admin no figures at all.
      expect(await page.locator('section.report').count()).toBe(0);
      expect(await page.locator('canvas').count()).toBe(0);
      clean();
    } finally {
      await context.close();
    }
  });
});
