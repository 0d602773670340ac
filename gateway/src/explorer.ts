// Serves the offline schema explorer (GraphiQL bundled by explorer/build.mjs), so the
// gateway never depends on a CDN. Mount it BEFORE Apollo's express middleware.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { Request, Response, NextFunction } from 'express';

export interface ExplorerOptions {
  /** Path Apollo Server is mounted at, e.g. '/graphql'. */
  graphqlPath: string;
}

// Compiled, this file is dist/explorer.js and the assets are in dist/explorer/; run from
// source (src/explorer.ts) they are in ../dist/explorer/. Try both.
const CANDIDATE_DIRS = [new URL('./explorer/', import.meta.url), new URL('../dist/explorer/', import.meta.url)].map(
  (u) => fileURLToPath(u),
);
const ASSETS = ['explorer.js', 'explorer.css'];
const NOT_BUILT = 'PeerLink explorer assets are not built; run `npm run build` first.\n';

// Looked up per request (a cheap stat) so a build after the gateway started is picked up.
function assetDir(): string | undefined {
  return CANDIDATE_DIRS.find((dir) => ASSETS.every((f) => existsSync(dir + f)));
}

const escapeAttr = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function explorerRouter(options: ExplorerOptions): express.Router {
  const router = express.Router();

  router.get('/explorer/:file', (req: Request, res: Response, next: NextFunction) => {
    const file = String(req.params.file);
    if (!ASSETS.includes(file)) return next();
    const dir = assetDir();
    if (!dir) return void res.status(503).type('text/plain').send(NOT_BUILT);
    // Safe to cache for a year: the page links them with a ?v=<mtime> cache-buster.
    res.sendFile(file, { root: dir, maxAge: '365d', immutable: true }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });

  const page = (req: Request, res: Response, next: NextFunction) => {
    // Only browsers navigating here get the page; everything else (GET queries with
    // Accept: application/json, etc.) falls through to Apollo Server.
    if (!(req.headers.accept ?? '').includes('text/html')) return next();
    const dir = assetDir();
    if (!dir) return void res.status(503).type('text/plain').send(NOT_BUILT);

    const version = (f: string) => Math.floor(statSync(dir + f).mtimeMs).toString(36);
    const base = req.baseUrl; // '' when mounted at the app root
    // connect-src: 'self' already covers same-host ws:/wss: in CSP3 browsers; spell it out for
    // older ones. Host is client-supplied, so only echo it if it looks like a host[:port].
    const host = /^[\w.-]+(:\d+)?$|^\[[\d:a-fA-F.]+\](:\d+)?$/.test(req.headers.host ?? '')
      ? req.headers.host
      : undefined;
    const connect = host ? `'self' ws://${host} wss://${host}` : `'self'`;

    res.set({
      'Content-Security-Policy': [
        `default-src 'none'`,
        `script-src 'self'`,
        // GraphiQL's dialogs (react-remove-scroll) inject a <style> element at runtime.
        `style-src 'self' 'unsafe-inline'`,
        `img-src 'self' data:`, // GraphiQL's CSS inlines a few PNGs
        `font-src 'self' data:`, // ...and its fonts
        `connect-src ${connect}`,
        `base-uri 'none'`,
        `form-action 'none'`,
        `frame-ancestors 'none'`,
      ].join('; '),
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.type('html').send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PeerLink explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${escapeAttr(`${base}/explorer/explorer.css?v=${version('explorer.css')}`)}">
<script defer src="${escapeAttr(`${base}/explorer/explorer.js?v=${version('explorer.js')}`)}"></script>
</head>
<body>
<div id="root" data-graphql-path="${escapeAttr(base + options.graphqlPath)}"></div>
</body>
</html>
`);
  };

  router.get('/', page);
  router.get(options.graphqlPath, page);
  return router;
}
