import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { corsAllows } from '@peerlink/gateway/cors';
import { gatewayConfig } from '@peerlink/gateway/config';
import { ConfigError, loadConfig } from '@peerlink/platform/config';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startTestStack, type TestStack } from './support/stack.js';
import { launchChromium } from './support/browser.js';

/**
 * A web app served from another origin (a second port, as a Vite dev server would be) uses the
 * gateway from headless Chromium: the README's urql set-up, bundled for the browser, queries (GET),
 * mutates, subscribes over graphql-ws and uploads through drive's signed URL. A page on an origin
 * not listed in CORS_ORIGINS can do none of it.
 */

/** Serves one page whose script puts the README's urql set-up on `window`. */
async function servePage(script: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((req, res) => {
    if (req.url === '/app.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    res
      .writeHead(200, { 'content-type': 'text/html' })
      .end('<!doctype html><title>app</title><script src="/app.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function bundleApp(): Promise<string> {
  const result = await build({
    stdin: {
      contents: "import { createUrqlClient } from './urql-client.js';\nObject.assign(window, { createUrqlClient });",
      resolveDir: fileURLToPath(new URL('./support/web/', import.meta.url)),
      loader: 'ts',
    },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

interface AppWindow {
  createUrqlClient(url: string, token: () => string | null): import('@urql/core').Client;
  titles: string[];
}

let t: TestStack;
let browser: Browser;
let app: { server: Server; origin: string };
let foreign: { server: Server; origin: string };
beforeAll(async () => {
  const script = await bundleApp();
  app = await servePage(script);
  foreign = await servePage(script);
  t = await startTestStack({ CORS_ORIGINS: `https://app.example.com,${app.origin}` });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  app?.server.close();
  foreign?.server.close();
});

async function open(origin: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(origin);
  await page.waitForFunction(() => 'createUrqlClient' in window);
  return page;
}

describe('a web app on an allowed origin', () => {
  it('queries, mutates, subscribes and uploads a file from the browser', async () => {
    const user = await signUp(t, 'webapp');
    const page = await open(app.origin);

    const me = await page.evaluate(
      async ({ url, token }) => {
        const client = (window as unknown as AppWindow).createUrqlClient(url, () => token);
        const result = await client.query('query Me { me { username } }', {}).toPromise();
        const renamed = await client
          .mutation('mutation { updateProfile(input: { displayName: "From The Browser" }) { displayName } }', {})
          .toPromise();
        return {
          username: result.data?.me.username,
          error: result.error?.message,
          displayName: renamed.data?.updateProfile.displayName,
        };
      },
      { url: t.url, token: user.token },
    );
    expect(me).toEqual({ username: user.username, error: undefined, displayName: 'From The Browser' });

    // A subscription over graphql-ws from the page, fed by a password change.
    await page.evaluate(
      ({ url, token }) => {
        const w = window as unknown as AppWindow;
        w.titles = [];
        w.createUrqlClient(url, () => token)
          .subscription('subscription { notificationAdded { title } }', {})
          .subscribe((result) => result.data && w.titles.push(result.data.notificationAdded.title));
      },
      { url: t.url, token: user.token },
    );
    await waitFor("the page's subscription at the gateway", () => t.stack.gateway.live.subscriptionsOf(user.id) === 1);
    await page.evaluate(
      async ({ url, token, password }) => {
        const client = (window as unknown as AppWindow).createUrqlClient(url, () => token);
        const result = await client
          .mutation(
            'mutation ($p: String!) { changePassword(currentPassword: $p, newPassword: "browser passphrase 2") }',
            { p: password },
          )
          .toPromise();
        if (result.error) throw new Error(result.error.message);
      },
      { url: t.url, token: user.token, password: user.password },
    );
    await page.waitForFunction(
      () => (window as unknown as AppWindow).titles.some((title) => /password/i.test(title)),
      undefined,
      { timeout: 15_000 },
    );

    // Drive's flow: a ticket over GraphQL, the bytes PUT to its signed /files URL (preflighted), completion, download.
    const uploaded = await page.evaluate(
      async ({ url, token }) => {
        const client = (window as unknown as AppWindow).createUrqlClient(url, () => token);
        const text = 'bytes from another origin';
        const ticket = await client
          .mutation(
            'mutation ($input: CreateUploadInput!) { createUpload(input: $input) { uploadId uploadUrl ' +
              'headers { name value } } }',
            {
              input: { name: 'note.txt', mimeType: 'text/plain', size: text.length },
            },
          )
          .toPromise();
        const { uploadId, uploadUrl, headers } = ticket.data!.createUpload as {
          uploadId: string;
          uploadUrl: string;
          headers: { name: string; value: string }[];
        };
        const put = await fetch(uploadUrl, {
          method: 'PUT',
          headers: Object.fromEntries(headers.map((h) => [h.name, h.value])),
          body: text,
        });
        const completed = await client
          .mutation('mutation ($id: ID!) { completeUpload(uploadId: $id) { name size downloadUrl } }', { id: uploadId })
          .toPromise();
        const file = completed.data!.completeUpload as { name: string; size: number; downloadUrl: string };
        const download = await fetch(file.downloadUrl);
        const graphql = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"query":"{ __typename }"}',
        });
        return {
          put: put.status,
          name: file.name,
          size: file.size,
          body: await download.text(),
          requestId: graphql.headers.get('x-request-id'),
        };
      },
      { url: t.url, token: user.token },
    );
    expect(uploaded).toMatchObject({ put: 200, name: 'note.txt', size: 25, body: 'bytes from another origin' });
    // Exposed to the page, so it can quote the id in a bug report.
    expect(uploaded.requestId).toMatch(/.+/);
    await page.close();
  });

  it('answers preflights with the methods, headers and lifetime clients need', async () => {
    const preflight = (path: string, origin: string, method: string) =>
      fetch(new URL(path, t.url), {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': method,
          'access-control-request-headers': 'authorization,content-type,apollo-require-preflight',
        },
      });
    const graphql = await preflight('/graphql', 'https://app.example.com', 'POST');
    expect(graphql.status).toBe(204);
    expect(graphql.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(graphql.headers.get('access-control-allow-methods')).toBe('GET, POST');
    expect(graphql.headers.get('access-control-allow-headers')).toMatch(
      /authorization.*content-type.*apollo-require-preflight.*x-apollo-operation-name.*x-request-id/,
    );
    expect(Number(graphql.headers.get('access-control-max-age'))).toBeGreaterThan(0);
    expect(graphql.headers.get('access-control-allow-credentials')).toBeNull();
    expect(graphql.headers.get('vary')).toMatch(/origin/i);
    const files = await preflight('/files/o/x', 'https://app.example.com', 'PUT');
    expect(files.status).toBe(204);
    expect(files.headers.get('access-control-allow-methods')).toContain('PUT');
    // Web players (hls.js) read lecture playlists from the page.
    const media = await preflight('/media/lectures/x/master.m3u8', 'https://app.example.com', 'GET');
    expect(media.status).toBe(204);
    expect(media.headers.get('access-control-allow-methods')).toBe('GET, HEAD');

    const answer = await fetch(t.url, {
      method: 'POST',
      headers: { origin: 'https://app.example.com', 'content-type': 'application/json' },
      body: '{"query":"{ __typename }"}',
    });
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(answer.headers.get('access-control-expose-headers')).toMatch(/x-request-id.*retry-after/);
    // Payers' pages are navigated to, not fetched: no CORS there.
    const payments = await fetch(new URL('/payments/return', t.url), {
      headers: { origin: 'https://app.example.com' },
    });
    expect(payments.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('a page on an origin not allowed', () => {
  it('can neither read an answer nor call the API, over HTTP, /files or WebSocket', async () => {
    const user = await signUp(t, 'foreign');
    const page = await open(foreign.origin);
    const outcome = await page.evaluate(
      async ({ url, token }) => {
        const attempt = (run: () => Promise<unknown>) =>
          run().then(
            () => 'answered',
            (error: Error) => error.name,
          );
        const socket = await new Promise<string>((resolve) => {
          const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
          ws.onopen = () => resolve('opened');
          ws.onclose = () => resolve('refused');
        });
        return {
          post: await attempt(() =>
            fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body: '{"query":"{ me { id } }"}',
            }),
          ),
          get: await attempt(() => fetch(`${url}?query=${encodeURIComponent('{ __typename }')}`)),
          files: await attempt(() => fetch(new URL('/files/public/00000000-0000-0000-0000-000000000000', url))),
          socket,
        };
      },
      { url: t.url, token: user.token },
    );
    expect(outcome).toEqual({ post: 'TypeError', get: 'TypeError', files: 'TypeError', socket: 'refused' });
    await page.close();

    const preflight = await fetch(t.url, {
      method: 'OPTIONS',
      headers: { origin: foreign.origin, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await fetch(`${t.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { origin: foreign.origin },
    });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('CORS_ORIGINS and CORS_CREDENTIALS', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-cors-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const load = (values: Record<string, string>) => {
    const env = { DATA_DIR: dataDir, ...values };
    return gatewayConfig(env, loadConfig(env));
  };
  const problems = (env: Record<string, string>) => {
    try {
      load(env);
      return [];
    } catch (error) {
      return (error as ConfigError).problems;
    }
  };

  it('rejects anything but exact http(s) origins, and * with credentials', () => {
    for (const bad of [
      'https://app.example.com/',
      'https://app.example.com/app',
      'https://*.example.com',
      'app.example.com',
      'ftp://app.example.com',
      'null',
      'https://App.example.com',
      'https://app.example.com:443',
    ]) {
      expect(problems({ CORS_ORIGINS: `http://localhost:5173,${bad}` }), bad).toEqual([
        expect.stringMatching(/^CORS_ORIGINS: .* is not an origin/),
      ]);
    }
    expect(problems({ CORS_ORIGINS: 'https://app.example.com/' })[0]).toContain(
      'did you mean "https://app.example.com"',
    );
    expect(problems({ CORS_ORIGINS: '*', CORS_CREDENTIALS: 'true' })).toEqual([
      expect.stringMatching(/CORS_CREDENTIALS/),
    ]);
    expect(problems({ CORS_ORIGINS: '*,https://app.example.com' })).toEqual([expect.stringMatching(/stands alone/)]);
    expect(problems({ CORS_CREDENTIALS: 'maybe' })).toEqual([expect.stringMatching(/^CORS_CREDENTIALS/)]);
  });

  it('lets local dev servers in by default in embedded mode only, and listed origins always', () => {
    const embedded = load({}).cors;
    expect(embedded).toEqual({ origins: [], localhost: true, credentials: false });
    for (const origin of [
      'http://localhost:5173',
      'http://127.0.0.1:3000',
      'http://[::1]:8080',
      'https://localhost:5173',
    ])
      expect(corsAllows(embedded, origin), origin).toBe(true);
    for (const origin of [
      'http://localhost.evil.com:5173',
      'http://127.0.0.2:3000',
      'https://app.example.com',
      'null',
      'http://localhost:5173/x',
    ])
      expect(corsAllows(embedded, origin), origin).toBe(false);

    const deployed = load({ DATABASE_URL: 'postgres://db/peerlink' }).cors;
    expect(corsAllows(deployed, 'http://localhost:5173')).toBe(false);
    const listed = load({
      CORS_ORIGINS: ' https://app.example.com , http://localhost:5173',
      CORS_CREDENTIALS: 'true',
    }).cors;
    expect(listed).toEqual({
      origins: ['https://app.example.com', 'http://localhost:5173'],
      localhost: false,
      credentials: true,
    });
    expect(corsAllows(listed, 'http://localhost:5174')).toBe(false);
    expect(corsAllows(load({ CORS_ORIGINS: '*' }).cors, 'https://anyone.example')).toBe(true);
  });
});
