import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalStorage } from '@peerlink/platform/storage/local-storage';
import { contentDisposition, type ObjectStorage } from '@peerlink/platform/storage/object-storage';
import { S3Storage } from '@peerlink/platform/storage/s3-storage';
import { waitFor } from '@peerlink/platform/testing/wait-for';

/** s3rver ships no types; this is the part of it the tests use. */
const S3rver: new (options: {
  address: string;
  port: number;
  directory: string;
  silent: boolean;
  resetOnClose: boolean;
}) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
} = createRequire(import.meta.url)('s3rver');

interface Adapter {
  name: string;
  /**
   * What the server does with a PUT longer than the length signed into its URL. Real S3 refuses it
   * (the length is a signed header); s3rver accepts every V4 signature unchecked, so it stores the bytes.
   */
  oversizedPut: 'refused' | 'stored';
  /** `origin` is the test's own HTTP server, where the adapter's `routes()` are mounted under /files. */
  open(origin: string): Promise<{ storage: ObjectStorage; dispose(): Promise<void> }>;
}

const adapters: Adapter[] = [
  {
    name: 'LocalStorage',
    oversizedPut: 'refused',
    async open(origin) {
      const root = await mkdtemp(join(tmpdir(), 'peerlink-storage-'));
      const storage = new LocalStorage(root, undefined, origin);
      return { storage, dispose: () => rm(root, { recursive: true, force: true }) };
    },
  },
  {
    name: 'S3Storage (s3rver)',
    oversizedPut: 'stored',
    async open() {
      const directory = await mkdtemp(join(tmpdir(), 'peerlink-s3rver-'));
      const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, resetOnClose: true });
      const { port } = await server.run();
      const storage = new S3Storage({
        endpoint: `http://127.0.0.1:${port}`,
        region: 'us-east-1',
        bucket: 'peerlink-test',
        // s3rver's built-in account.
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        forcePathStyle: true,
      });
      await storage.prepare();
      return {
        storage,
        async dispose() {
          await storage.close();
          await server.close();
          await rm(directory, { recursive: true, force: true });
        },
      };
    },
  },
];

const key = 'objects/test-object';
const bytes = (text: string) => new TextEncoder().encode(text);
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const isRefused = (status: number) => status >= 400 && status < 500;

/** Reads the whole response, so no connection is left holding a body. */
async function read(response: Response) {
  return { status: response.status, headers: response.headers, body: new Uint8Array(await response.arrayBuffer()) };
}

describe.each(adapters)('ObjectStorage contract: $name', ({ open, oversizedPut }) => {
  let storage: ObjectStorage;
  let origin: string;
  let dispose: () => Promise<void>;
  let closeServer: () => Promise<void>;

  beforeEach(async () => {
    // Stands in for the gateway: serves the adapter's /files, and a route that answers with `send`.
    const app = express();
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeServer = () => new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    ({ storage, dispose } = await open(origin));
    const files = storage.routes();
    if (files) app.use('/files', files);
    app.get('/send', (req, res) =>
      storage.send(String(req.query.key), { fileName: 'report.txt', contentType: 'text/plain' }, req, res),
    );
  });
  afterEach(async () => {
    await dispose();
    await closeServer();
  });

  it('accepts a PUT to a signed upload URL, then reports the size and SHA-256 of those bytes', async () => {
    const data = bytes('hello, object storage');
    expect(await storage.stat(key)).toBeNull();

    const { url, headers } = await storage.signUpload(key, {
      contentType: 'text/plain',
      size: data.length,
      expiresInSeconds: 60,
    });
    expect(headers['content-type']).toBe('text/plain');
    const response = await read(await fetch(url, { method: 'PUT', headers, body: data }));
    expect(response.status).toBe(200);

    expect(await storage.stat(key)).toEqual({ size: data.length });
    expect(await storage.sha256(key)).toBe(sha256(data));
  });

  it('reads stored bytes back as a stream, and nothing for a missing object', async () => {
    expect(await storage.read(key)).toBeNull();
    const data = Buffer.from('bytes to read back '.repeat(1000));
    await storage.put(key, data, 'text/plain');
    const chunks: Buffer[] = [];
    for await (const chunk of (await storage.read(key))!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('serves a signed download URL with its file name, and byte ranges of it', async () => {
    await storage.put(key, Buffer.from('0123456789'), 'text/plain');
    const fileName = 'Résumé "final".txt';
    const url = await storage.signDownload(key, { fileName, contentType: 'text/plain', expiresInSeconds: 60 });

    const whole = await read(await fetch(url));
    expect(whole.status).toBe(200);
    expect(Buffer.from(whole.body).toString()).toBe('0123456789');
    expect(whole.headers.get('content-disposition')).toBe(contentDisposition(fileName));
    expect(whole.headers.get('content-type')).toMatch(/^text\/plain/);

    const part = await read(await fetch(url, { headers: { range: 'bytes=2-5' } }));
    expect(part.status).toBe(206);
    expect(Buffer.from(part.body).toString()).toBe('2345');
  });

  it('refuses a download URL once it has expired', async () => {
    await storage.put(key, Buffer.from('short-lived'), 'text/plain');
    const options = { fileName: 'a.txt', contentType: 'text/plain' };
    const expiring = await storage.signDownload(key, { ...options, expiresInSeconds: 1 });
    const lasting = await storage.signDownload(key, { ...options, expiresInSeconds: 60 });

    await waitFor(
      'the download URL to expire',
      async () => isRefused((await read(await fetch(expiring))).status),
      5_000,
    );
    // The same object under a live URL still downloads: the refusal was the expiry, not the object.
    const live = await read(await fetch(lasting));
    expect(live.status).toBe(200);
    expect(Buffer.from(live.body).toString()).toBe('short-lived');
  });

  it('never lets a PUT of more bytes than declared pass for the declared size', async () => {
    const { url, headers } = await storage.signUpload(key, {
      contentType: 'text/plain',
      size: 4,
      expiresInSeconds: 60,
    });
    const response = await read(await fetch(url, { method: 'PUT', headers, body: bytes('12345678') }));
    const stored = await storage.stat(key);

    if (oversizedPut === 'refused') {
      expect(isRefused(response.status)).toBe(true);
      expect(stored).toBeNull();
    } else {
      // The server kept the bytes; stat must report their real size so drive's completion rejects them.
      expect(response.status).toBe(200);
      expect(stored).toEqual({ size: 8 });
    }
  });

  it('deletes objects, ignoring missing keys and an empty list', async () => {
    await storage.put(key, Buffer.from('doomed'), 'text/plain');
    await storage.put('objects/kept', Buffer.from('kept'), 'text/plain');
    expect(await storage.stat(key)).toEqual({ size: 6 });

    await storage.delete([key, 'objects/never-stored']);
    expect(await storage.stat(key)).toBeNull();
    expect(await storage.stat('objects/kept')).toEqual({ size: 4 });
    await storage.delete([]);
    expect(await storage.stat('objects/kept')).toEqual({ size: 4 });
  });

  it('deletes every key of a list longer than one S3 batch', async () => {
    const keys = Array.from({ length: 1_001 }, (_, i) => `objects/batch-${i}`);
    await storage.put(keys[0]!, Buffer.from('first'), 'text/plain');
    await storage.put(keys[1_000]!, Buffer.from('last'), 'text/plain');

    await storage.delete(keys);
    expect(await storage.stat(keys[0]!)).toBeNull();
    expect(await storage.stat(keys[1_000]!)).toBeNull();
  });

  it('answers a request for an object: streamed (local) or redirected to a signed URL (S3)', async () => {
    await storage.put(key, Buffer.from('sent bytes'), 'text/plain');
    const response = await read(await fetch(`${origin}/send?key=${key}`, { redirect: 'manual' }));

    let served = response;
    if (storage.kind === 's3') {
      expect(response.status).toBe(302);
      const location = response.headers.get('location')!;
      expect(new URL(location).searchParams.get('X-Amz-Expires')).toBe('300');
      served = await read(await fetch(location));
    }
    expect(served.status).toBe(200);
    expect(Buffer.from(served.body).toString()).toBe('sent bytes');
    expect(served.headers.get('content-disposition')).toBe(contentDisposition('report.txt'));
  });
});

describe('S3Storage', () => {
  it('signs the declared length and type into one-time (if-none-match) upload URLs, so S3 refuses any other PUT', async () => {
    // Signing happens offline; no server is contacted.
    const storage = new S3Storage({
      endpoint: 'http://127.0.0.1:9',
      region: 'us-east-1',
      bucket: 'b',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
    });
    try {
      const signed = await storage.signUpload(key, { contentType: 'text/plain', size: 4, expiresInSeconds: 60 });
      const url = new URL(signed.url);
      expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(
        expect.arrayContaining(['content-length', 'content-type', 'if-none-match']),
      );
      // The client must send what was signed, so the ticket carries those headers.
      expect(signed.headers).toEqual({ 'content-type': 'text/plain', 'if-none-match': '*' });
      // A checksum of the empty body signed into the URL would fail every real upload.
      expect([...url.searchParams.keys()].filter((name) => name.toLowerCase().startsWith('x-amz-checksum'))).toEqual(
        [],
      );
    } finally {
      await storage.close();
    }
  });
});
