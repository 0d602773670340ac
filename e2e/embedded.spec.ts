import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AddToCartDocument,
  BecomeSellerDocument,
  CheckoutDocument,
  CreatePostDocument,
  CreateProductDocument,
  FeedDocument,
  LoginDocument,
  NotificationsDocument,
  OrderDocument,
  ProductsDocument,
  PublishProductDocument,
  RegisterDocument,
} from './generated/graphql.js';
import { ok } from './support/client.js';
import { upload } from './support/drive.js';
import { newUser } from './support/stack.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';

const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-embedded-'));
const running: ChildProcess[] = [];

/** `npm start` as a user runs it: no configuration at all, only a port and a data directory. */
async function startEmbedded(): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ['launcher/dist/main.js'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const url = await waitFor('the ready line', () => /ready at (http:\/\/\S+)/.exec(output)?.[1], 60_000).catch((error) => {
    throw new Error(`${error.message}\n${output}`);
  });
  return { url, process: child };
}

/** Stops the process as an operator would, and expects a clean exit. */
async function stop(child: ChildProcess) {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}

afterAll(async () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) await stop(child);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('embedded mode', () => {
  const user = newUser('embedded');

  // A cold PGlite start is slow on a busy two-core machine, hence the generous timeouts.
  it('registers, signs in and receives a notification with no outside services', { timeout: 120_000 }, async () => {
    const { url, process } = await startEmbedded();
    const { register } = await ok(url, RegisterDocument, { input: user });
    const { login } = await ok(url, LoginDocument, { input: { login: user.email, password: user.password } });
    expect(login.user.id).toBe(register.user.id);
    const welcome = await waitFor('the welcome notification', async () =>
      (await ok(url, NotificationsDocument, {}, login.accessToken)).notifications.edges.find((e) => e.node.kind === 'WELCOME'),
    );
    expect(welcome.node.title).toContain(user.displayName);
    // The home feed's timelines live in the in-memory cache.
    await ok(url, CreatePostDocument, { input: { body: 'posted with no outside services' } }, login.accessToken);
    const { feed } = await ok(url, FeedDocument, {}, login.accessToken);
    expect(feed.edges.map((e) => [e.node.body, e.node.author.username])).toEqual([['posted with no outside services', user.username]]);
    // Files land on local disk under DATA_DIR and come back through the gateway's /files.
    const stored = await upload(url, login.accessToken, 'embedded.txt', Buffer.from('bytes on local disk'));
    expect(await (await fetch(stored.downloadUrl!)).text()).toBe('bytes on local disk');
    // A sale, searched with PGlite's full-text search and paid through the in-process bus and the sandbox.
    await ok(url, BecomeSellerDocument, {}, login.accessToken);
    const seller = (await ok(url, LoginDocument, { input: { login: user.email, password: user.password } })).login.accessToken;
    const { createProduct } = await ok(url, CreateProductDocument, { input: { title: 'Embedded walnut lamps', kind: 'PHYSICAL', priceAmount: 1500, currency: 'usd', stock: 1 } }, seller);
    await ok(url, PublishProductDocument, { id: createProduct.id }, seller);
    const found = await ok(url, ProductsDocument, { filter: { search: 'lamp walnut' } });
    expect(found.products.edges.map((e) => e.node.id)).toEqual([createProduct.id]);
    const buyer = (await ok(url, RegisterDocument, { input: newUser('embuyer') })).register.accessToken;
    await ok(url, AddToCartDocument, { productId: createProduct.id }, buyer);
    const address = { name: 'Ada', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
    const { checkout } = await ok(url, CheckoutDocument, { input: { idempotencyKey: 'embedded-1', shippingAddress: address, paymentMethodId: 'pm_card_visa' } }, buyer);
    await waitFor('the order to be paid', async () => (await ok(url, OrderDocument, { id: checkout.orders[0]!.id }, buyer)).order.status === 'PAID');
    // Mail is captured to files under DATA_DIR.
    await waitFor('the captured verification email', () => readdirSync(join(dataDir, 'mail')).length > 0);
    await stop(process);
  });

  it('keeps its data across a restart', { timeout: 120_000 }, async () => {
    const { url } = await startEmbedded();
    const { login } = await ok(url, LoginDocument, { input: { login: user.username, password: user.password } });
    const { notifications } = await ok(url, NotificationsDocument, {}, login.accessToken);
    expect(notifications.edges.some((e) => e.node.kind === 'WELCOME')).toBe(true);
    // The cache started empty; the feed is rebuilt from the database.
    const { feed } = await ok(url, FeedDocument, {}, login.accessToken);
    expect(feed.edges.map((e) => e.node.body)).toEqual(['posted with no outside services']);
  });
});
