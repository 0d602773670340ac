import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { Logger } from '@peerlink/platform/logger';

/** Hop-by-hop headers never pass a proxy. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host']);

/**
 * File transfer under `/files`, passed through to the subgraph that owns files (drive) as a
 * stream: bytes never pass through GraphQL, and the gateway stays the one public endpoint. The
 * drive checks every request's signature itself, so the gateway adds nothing but the route.
 */
export function filesProxy(target: () => string | undefined, logger: Logger) {
  return (req: Request, res: Response) => {
    const base = target();
    if (!base) return void res.status(404).json({ error: 'No subgraph serves files.' });
    const upstream = new URL(base);
    const headers: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: `/files${req.url}`, headers },
      (answer) => {
        const out: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
        res.writeHead(answer.statusCode ?? 502, out);
        // If drive aborts mid-answer, the client's response is cut too rather than left hanging.
        pipeline(answer, res).catch(() => res.destroy());
      },
    );
    forward.on('error', (err) => {
      logger.warn({ err }, 'file transfer to drive failed');
      if (!res.headersSent) res.status(502).json({ error: 'File storage is unavailable.' });
      else res.destroy();
    });
    // A client that goes away mid-transfer stops the upstream request too.
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  };
}
