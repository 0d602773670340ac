import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { Logger } from '@peerlink/platform/logger';

/** Hop-by-hop headers never pass a proxy. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

const isCors = (name: string) => name.startsWith('access-control-');

/**
 * Plain HTTP under `prefix` passed through, as a stream, to the subgraph that serves it: file
 * transfer to drive (`/files`), lecture playlists to learning (`/media`), provider webhooks and payers'
 * pages to payments (`/webhooks`, `/payments`). Bytes never pass through GraphQL and the gateway stays
 * the one public endpoint. Each of those routes checks its requests itself; the gateway adds nothing
 * but the route and, on `/files` and `/media`, its CORS headers.
 */
export function passThrough(prefix: string, what: string, target: () => string | undefined, logger: Logger) {
  return (req: Request, res: Response) => {
    const base = target();
    if (!base) return void res.status(404).json({ error: `No subgraph serves ${what}.` });
    const upstream = new URL(base);
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: `${prefix}${req.url}`, headers },
      (answer) => {
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers))
          if (value !== undefined && !HOP_BY_HOP.has(name) && !isCors(name)) out[name] = value;
        // The gateway's CORS headers (set before this handler) are the only ones, and its Vary: Origin survives.
        const vary = res.getHeader('vary');
        if (vary && out.vary) out.vary = `${vary}, ${out.vary}`;
        res.writeHead(answer.statusCode ?? 502, out);
        // If the subgraph aborts mid-answer, the client's response is cut too rather than left hanging.
        pipeline(answer, res).catch(() => res.destroy());
      },
    );
    forward.on('error', (err) => {
      logger.warn({ err, prefix }, 'pass-through to a subgraph failed');
      if (!res.headersSent) res.status(502).json({ error: `The ${what} service is unavailable.` });
      else res.destroy();
    });
    // A client that goes away mid-transfer stops the upstream request too.
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  };
}
