import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import express, { type Request, type Response, type Router } from 'express';
import {
  contentDisposition,
  isObjectKey,
  type DownloadOptions,
  type ObjectStorage,
  type UploadOptions,
} from './object-storage.js';

/**
 * Objects as files under `root`, served under the gateway's `/files/o/<key>` by signed URLs: an
 * HMAC over the operation, key, expiry and (for uploads) the declared size and type. An upload
 * URL writes once: a second PUT to it is refused, and a body longer than declared is cut off.
 */
export class LocalStorage implements ObjectStorage {
  readonly kind = 'local' as const;

  constructor(
    private readonly root: string,
    /** Signs URLs; random per process unless given, so URLs die with a restart (they are short-lived anyway). */
    private readonly secret: Buffer = randomBytes(32),
    /** Where clients reach `/files`; by default the origin they called the gateway on. */
    private readonly publicBaseUrl?: string,
  ) {}

  async prepare() {
    await mkdir(this.root, { recursive: true });
  }

  async signUpload(key: string, { contentType, size, expiresInSeconds, origin }: UploadOptions) {
    const params = { op: 'put', exp: String(expiresAt(expiresInSeconds)), len: String(size), type: contentType };
    return { url: this.url(key, params, origin), headers: { 'content-type': contentType } };
  }

  async signDownload(key: string, { fileName, contentType, expiresInSeconds, origin }: DownloadOptions) {
    const params = { op: 'get', exp: String(expiresAt(expiresInSeconds)), name: fileName, type: contentType };
    return this.url(key, params, origin);
  }

  async stat(key: string) {
    const info = await stat(this.path(key)).catch(() => null);
    return info?.isFile() ? { size: info.size } : null;
  }

  async sha256(key: string) {
    const hash = createHash('sha256');
    await pipeline(createReadStream(this.path(key)), hash);
    return hash.digest('hex');
  }

  async read(key: string) {
    return (await this.stat(key)) ? createReadStream(this.path(key)) : null;
  }

  async put(key: string, body: Buffer) {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
  }

  async delete(keys: string[]) {
    await Promise.all(keys.map((key) => rm(this.path(key), { force: true })));
  }

  async send(
    key: string,
    { fileName, contentType }: Omit<DownloadOptions, 'expiresInSeconds'>,
    _req: Request,
    res: Response,
  ) {
    await this.serve(key, fileName, contentType, res);
  }

  routes(): Router {
    const router = express.Router();
    // Failures end in Express's error handling, never as an unhandled rejection that stops the process.
    router.put(/^\/o\/(.+)$/, (req, res, next) => void this.receive(req, res).catch(next));
    router.get(/^\/o\/(.+)$/, (req, res, next) => void this.download(req, res).catch(next));
    return router;
  }

  async close() {}

  private async receive(req: Request, res: Response) {
    const key = this.verified(req, 'put');
    if (!key) return void res.status(403).json({ error: 'This upload link is not valid or has expired.' });
    const declared = Number(req.query.len);
    const path = this.path(key);
    if (await this.stat(key)) return void res.status(409).json({ error: 'This upload link was already used.' });
    const partial = `${path}.${randomBytes(6).toString('hex')}.partial`;
    let received = 0;
    try {
      await mkdir(dirname(path), { recursive: true });
      await pipeline(
        req,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            received += chunk.length;
            if (received > declared) throw Object.assign(new Error('more bytes than declared'), { status: 413 });
            yield chunk;
          }
        },
        createWriteStream(partial, { flags: 'wx' }),
      );
      // The object appears whole or not at all, and only once: link() fails if it already exists,
      // so of two racing PUTs exactly one wins.
      await link(partial, path).catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'EEXIST' ? Object.assign(new Error('already used'), { status: 409 }) : error;
      });
      await rm(partial, { force: true });
      res.status(200).json({ size: received });
    } catch (error) {
      await rm(partial, { force: true });
      const status = (error as { status?: number }).status ?? 400;
      if (!res.headersSent)
        res
          .status(status)
          .json({ error: status === 413 ? 'The body is larger than the declared size.' : 'The upload failed.' });
    }
  }

  private async download(req: Request, res: Response) {
    const key = this.verified(req, 'get');
    if (!key) return void res.status(403).json({ error: 'This download link is not valid or has expired.' });
    await this.serve(key, String(req.query.name ?? 'file'), String(req.query.type ?? 'application/octet-stream'), res);
  }

  /** Streams the object, with Range, conditional and HEAD handling from Express. */
  private serve(key: string, fileName: string, contentType: string, res: Response): Promise<void> {
    return new Promise((resolve) => {
      res.sendFile(
        this.path(key),
        {
          headers: {
            'content-type': contentType,
            'content-disposition': contentDisposition(fileName),
            'cache-control': 'private, max-age=60',
          },
          dotfiles: 'allow',
        },
        (error) => {
          if (error && !res.headersSent)
            res.status((error as { status?: number }).status === 404 ? 404 : 500).json({ error: 'Not found.' });
          resolve();
        },
      );
    });
  }

  /** The key of a correctly signed, unexpired request for `op`, or null. */
  private verified(req: Request, op: 'put' | 'get'): string | null {
    // Express has decoded the path already; decoding again would misread (or throw on) a literal '%'.
    const key = req.params[0] ?? '';
    const query = req.query as Record<string, string | undefined>;
    if (!isObjectKey(key) || query.op !== op || !query.sig || Number(query.exp) < Date.now() / 1000) return null;
    const params: Record<string, string> =
      op === 'put'
        ? { op, exp: query.exp!, len: query.len ?? '', type: query.type ?? '' }
        : { op, exp: query.exp!, name: query.name ?? '', type: query.type ?? '' };
    const expected = Buffer.from(this.sign(key, params), 'base64url');
    const given = Buffer.from(query.sig, 'base64url');
    return expected.length === given.length && timingSafeEqual(expected, given) ? key : null;
  }

  private url(key: string, params: Record<string, string>, origin?: string): string {
    if (!isObjectKey(key)) throw new Error(`not an object key: ${key}`);
    const base = this.publicBaseUrl ?? origin ?? 'http://localhost:4000';
    const query = new URLSearchParams({ ...params, sig: this.sign(key, params) });
    return `${base.replace(/\/$/, '')}/files/o/${key}?${query}`;
  }

  private sign(key: string, params: Record<string, string>): string {
    const canonical = [key, ...Object.entries(params).map(([name, value]) => `${name}=${value}`)].join('\n');
    return createHmac('sha256', this.secret).update(canonical).digest('base64url');
  }

  private path(key: string): string {
    if (!isObjectKey(key)) throw new Error(`not an object key: ${key}`);
    return join(this.root, ...key.split('/'));
  }
}

const expiresAt = (seconds: number) => Math.floor(Date.now() / 1000) + seconds;
