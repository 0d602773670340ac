import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed, onTestFinished } from 'vitest';
import {
  AddLectureDocument,
  AddSectionDocument,
  AddToCartDocument,
  BecomeInstructorDocument,
  BecomeSellerDocument,
  CheckoutDocument,
  CourseListingDocument,
  CompleteLectureDocument,
  CourseProgressDocument,
  CreateCourseDocument,
  CreatePostDocument,
  CreateProductDocument,
  EnrollDocument,
  FeedDocument,
  LoginDocument,
  NotificationsDocument,
  OrderDocument,
  ProductsDocument,
  PublishCourseDocument,
  PublishProductDocument,
  RegisterDocument,
} from './generated/graphql.js';
import { ok } from './support/client.js';
import { upload } from './support/drive.js';
import { pdfText } from './support/pdf.js';
import { newUser } from './support/stack.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';

const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-embedded-'));
const running = new Set<ChildProcess>();

interface Launched {
  process: ChildProcess;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  /** The exit code once exited (null for a signal), undefined while it runs. */
  exitCode(): number | null | undefined;
}

/** `npm start`'s entry point as a user runs it: no configuration at all, only a port and a data directory. */
function launch(env: Record<string, string> = {}): Launched {
  const child = spawn(process.execPath, ['launcher/dist/main.js'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then((code) => {
    exitCode = code;
    running.delete(child);
  });
  return { process: child, output: () => output, exited, exitCode: () => exitCode };
}

/** Waits for a child that should exit by itself; one still running at the deadline is killed. */
async function exitOf(launched: Launched, timeoutMs: number): Promise<number | null> {
  await waitFor('the process to exit', () => launched.exitCode() !== undefined, timeoutMs).catch(
    async (error: Error) => {
      await kill(launched);
      throw new Error(`${error.message}\n${launched.output()}`);
    },
  );
  return launched.exitCode()!;
}

/**
 * Starts embedded mode and waits for its ready line. Any failure (a timeout on a busy machine, an
 * early exit) kills the child and waits for it to go before failing, so it cannot hold the data
 * directory against the next test.
 */
async function startEmbedded(): Promise<{ url: string; process: ChildProcess }> {
  const launched = launch();
  // A test that fails before it stops its process must not leave the data directory held for the next one.
  onTestFailed(() => console.error(`embedded mode's output:\n${launched.output().slice(-6000)}`));
  onTestFinished(() => kill(launched));
  try {
    const started = await waitFor(
      'the ready line',
      () => {
        // An early exit ends the wait at once rather than at the deadline.
        if (launched.exitCode() !== undefined) return { url: undefined };
        const url = /ready at (http:\/\/\S+)/.exec(launched.output())?.[1];
        return url ? { url } : undefined;
      },
      90_000,
    );
    if (!started.url) throw new Error(`exited with ${launched.exitCode()} before it was ready`);
    const url = started.url;
    return { url, process: launched.process };
  } catch (error) {
    await kill(launched);
    throw new Error(`${(error as Error).message}\n${launched.output()}`);
  }
}

/** Ends a child for good: SIGKILL, then wait for its exit. */
async function kill({ process: child, exited }: Pick<Launched, 'process' | 'exited'>) {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await exited;
}

/** Stops the process as an operator would, and expects a clean exit. */
async function stop(child: ChildProcess) {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}

afterAll(async () => {
  for (const child of running) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
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
      (await ok(url, NotificationsDocument, {}, login.accessToken)).notifications.edges.find(
        (e) => e.node.kind === 'WELCOME',
      ),
    );
    expect(welcome.node.title).toContain(user.displayName);
    // The home feed's timelines live in the in-memory cache.
    await ok(url, CreatePostDocument, { input: { body: 'posted with no outside services' } }, login.accessToken);
    const { feed } = await ok(url, FeedDocument, {}, login.accessToken);
    expect(feed.edges.map((e) => [e.node.body, e.node.author!.username])).toEqual([
      ['posted with no outside services', user.username],
    ]);
    // Files land on local disk under DATA_DIR and come back through the gateway's /files.
    const stored = await upload(url, login.accessToken, 'embedded.txt', Buffer.from('bytes on local disk'));
    expect(await (await fetch(stored.downloadUrl!)).text()).toBe('bytes on local disk');
    // A sale, searched with PGlite's full-text search and paid through the in-process bus and the sandbox.
    await ok(url, BecomeSellerDocument, {}, login.accessToken);
    const seller = (await ok(url, LoginDocument, { input: { login: user.email, password: user.password } })).login
      .accessToken;
    const { createProduct } = await ok(
      url,
      CreateProductDocument,
      { input: { title: 'Embedded walnut lamps', kind: 'PHYSICAL', priceAmount: 1500, currency: 'usd', stock: 1 } },
      seller,
    );
    await ok(url, PublishProductDocument, { id: createProduct.id }, seller);
    const found = await ok(url, ProductsDocument, { filter: { search: 'lamp walnut' } });
    expect(found.products.edges.map((e) => e.node.id)).toEqual([createProduct.id]);
    const buyer = (await ok(url, RegisterDocument, { input: newUser('embuyer') })).register.accessToken;
    await ok(url, AddToCartDocument, { productId: createProduct.id }, buyer);
    const address = { name: 'Ada', line1: '1 Main St', city: 'Berlin', postalCode: '10115', country: 'DE' };
    const { checkout } = await ok(
      url,
      CheckoutDocument,
      { input: { idempotencyKey: 'embedded-1', shippingAddress: address, paymentMethodId: 'pm_card_visa' } },
      buyer,
    );
    await waitFor(
      'the order to be paid',
      async () => (await ok(url, OrderDocument, { id: checkout.orders[0]!.id }, buyer)).order.status === 'PAID',
    );
    // Mail is captured to files under DATA_DIR.
    await waitFor('the captured verification email', () => readdirSync(join(dataDir, 'mail')).length > 0);
    await stop(process);
  });

  it('takes a student through a free course to a certificate with no outside services', {
    timeout: 120_000,
  }, async () => {
    const { url, process } = await startEmbedded();
    const teacherInput = newUser('emteacher');
    const teacherId = (await ok(url, RegisterDocument, { input: teacherInput })).register.user.id;
    const first = (
      await ok(url, LoginDocument, { input: { login: teacherInput.email, password: teacherInput.password } })
    ).login.accessToken;
    await ok(url, BecomeInstructorDocument, {}, first);
    const teacher = (
      await ok(url, LoginDocument, { input: { login: teacherInput.email, password: teacherInput.password } })
    ).login.accessToken;
    const { createCourse } = await ok(url, CreateCourseDocument, { input: { title: 'Embedded course' } }, teacher);
    const { addSection } = await ok(url, AddSectionDocument, { courseId: createCourse.id, title: 'Only' }, teacher);
    const { addLecture } = await ok(
      url,
      AddLectureDocument,
      { sectionId: addSection.id, input: { title: 'Read me', kind: 'ARTICLE', body: 'All there is.' } },
      teacher,
    );
    await ok(url, PublishCourseDocument, { id: createCourse.id }, teacher);
    const studentInput = newUser('emstudent');
    const student = (await ok(url, RegisterDocument, { input: studentInput })).register.accessToken;
    await ok(url, EnrollDocument, { courseId: createCourse.id }, student);
    await ok(url, CompleteLectureDocument, { lectureId: addLecture.id }, student);
    // The certificate is drawn in the process and stored on local disk as the student's drive file.
    const certificate = await waitFor('the certificate and its PDF', async () => {
      const progress = (await ok(url, CourseProgressDocument, { courseId: createCourse.id }, student)).courseProgress;
      return progress?.certificate?.pdf?.downloadUrl ? progress.certificate : null;
    });
    expect(certificate.instructor?.id).toBe(teacherId);
    const pdf = Buffer.from(await (await fetch(certificate.pdf!.downloadUrl!)).arrayBuffer());
    expect(pdfText(pdf)).toContain(studentInput.displayName);
    expect(pdfText(pdf)).toContain(teacherInput.displayName);
    await stop(process);
  });

  it('keeps its data across a restart', { timeout: 120_000 }, async () => {
    const { url, process } = await startEmbedded();
    const { login } = await ok(url, LoginDocument, { input: { login: user.username, password: user.password } });
    const { notifications } = await ok(url, NotificationsDocument, {}, login.accessToken);
    expect(notifications.edges.some((e) => e.node.kind === 'WELCOME')).toBe(true);
    // The cache started empty; the feed is rebuilt from the database.
    const { feed } = await ok(url, FeedDocument, {}, login.accessToken);
    expect(feed.edges.map((e) => e.node.body)).toEqual(['posted with no outside services']);
    await stop(process);
  });

  it('sells a paid course: once PAID the buyer is enrolled, completes it and gets a certificate', {
    timeout: 120_000,
  }, async () => {
    const { url, process } = await startEmbedded();
    const teacher = newUser('emteacher');
    const first = (await ok(url, RegisterDocument, { input: teacher })).register.accessToken;
    await ok(url, BecomeInstructorDocument, {}, first);
    const token = (await ok(url, LoginDocument, { input: { login: teacher.email, password: teacher.password } })).login
      .accessToken;
    const { createCourse } = await ok(
      url,
      CreateCourseDocument,
      { input: { title: 'Embedded joinery', priceAmount: 2500, currency: 'usd' } },
      token,
    );
    const { addSection } = await ok(url, AddSectionDocument, { courseId: createCourse.id, title: 'Basics' }, token);
    const { addLecture } = await ok(
      url,
      AddLectureDocument,
      { sectionId: addSection.id, input: { title: 'Dovetails', kind: 'ARTICLE', body: 'Saw on the line.' } },
      token,
    );
    await ok(url, PublishCourseDocument, { id: createCourse.id }, token);
    const product = await waitFor(
      'the course product',
      async () => (await ok(url, CourseListingDocument, { id: createCourse.id })).course.product,
    );
    expect(product).toMatchObject({ kind: 'COURSE', price: { amount: 2500 } });
    const buyer = (await ok(url, RegisterDocument, { input: newUser('embuyer') })).register.accessToken;
    await ok(url, AddToCartDocument, { productId: product.id }, buyer);
    const { checkout } = await ok(
      url,
      CheckoutDocument,
      { input: { idempotencyKey: 'embedded-course', paymentMethodId: 'pm_card_visa' } },
      buyer,
    );
    await waitFor(
      'the order to be paid',
      async () => (await ok(url, OrderDocument, { id: checkout.orders[0]!.id }, buyer)).order.status === 'PAID',
    );
    const enrolled = await waitFor(
      'the enrollment',
      async () => (await ok(url, CourseListingDocument, { id: createCourse.id }, buyer)).course.viewerEnrollment,
    );
    expect(enrolled).toMatchObject({ status: 'ACTIVE', source: 'PURCHASE' });
    await ok(url, CompleteLectureDocument, { lectureId: addLecture.id }, buyer);
    const certificate = await waitFor('the certificate and its PDF', async () => {
      const progress = (await ok(url, CourseProgressDocument, { courseId: createCourse.id }, buyer)).courseProgress;
      return progress?.percent === 100 && progress.certificate?.pdf?.downloadUrl ? progress.certificate : null;
    });
    const pdf = Buffer.from(await (await fetch(certificate.pdf!.downloadUrl!)).arrayBuffer());
    expect(pdfText(pdf)).toContain('Embedded joinery');
    expect(pdfText(pdf)).toContain(teacher.displayName);
    await stop(process);
  });

  it('refuses a second process on the same data directory with a clear error, and the first keeps serving', {
    timeout: 120_000,
  }, async () => {
    const first = await startEmbedded();
    const second = launch();
    expect(await exitOf(second, 60_000)).toBe(1);
    expect(second.output()).toContain(
      `PeerLink did not start: ${join(dataDir, 'db')} is in use by process ${first.process.pid}`,
    );
    expect(second.output()).not.toMatch(/\n\s+at /);
    const { login } = await ok(first.url, LoginDocument, { input: { login: user.username, password: user.password } });
    expect(login.user.username).toBe(user.username);
    await stop(first.process);
  });

  it('refuses contradictory settings of several services at once, before it starts anything', {
    timeout: 120_000,
  }, async () => {
    const launched = launch({
      STRIPE_SECRET_KEY: 'sk_test_peerlink',
      CORS_ORIGINS: '*',
      CORS_CREDENTIALS: 'true',
      ANNOUNCEMENT_LEASE_MS: '1000',
      ANNOUNCEMENT_SWEEP_MS: '1000',
    });
    expect(await exitOf(launched, 90_000)).toBe(1);
    const output = launched.output();
    expect(output).toContain('Invalid configuration');
    for (const name of ['STRIPE_WEBHOOK_SECRET', 'CORS_ORIGINS', 'ANNOUNCEMENT_SWEEP_MS'])
      expect(output).toContain(`- ${name}:`);
    // Nothing was started: no stack trace, and no database opened.
    expect(output).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dataDir, 'db.lock'))).toBe(false);
  });

  it('exits non-zero when its port is taken, leaving no process behind and the data directory free', {
    timeout: 120_000,
  }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const launched = launch({ PORT: String((taken.address() as AddressInfo).port) });
      expect(await exitOf(launched, 90_000)).toBe(1);
      expect(launched.output()).toContain('EADDRINUSE');
      expect(existsSync(join(dataDir, 'db.lock'))).toBe(false);
    } finally {
      taken.close();
    }
    // The data directory is free: the next start works.
    const next = await startEmbedded();
    await stop(next.process);
  });
});
