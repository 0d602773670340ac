import type { NextFunction, Request, Response } from 'express';
import type { CorsPolicy } from './config.js';

/** What browsers clients send: GraphQL clients' own headers, auth, and common tracing headers. */
const ALLOWED_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
  'x-request-id',
  'traceparent',
  'tracestate',
  'baggage',
  'sentry-trace',
].join(', ');

/** Response headers pages may read beyond the safelisted ones. */
const EXPOSED_HEADERS = ['x-request-id', 'retry-after', 'content-disposition', 'etag'].join(', ');

/**
 * Chromium's ceiling for caching a preflight; removing an origin still takes effect at once, as answers lose their
 * header.
 */
const PREFLIGHT_MAX_AGE_SECONDS = 7200;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Whether a page on `origin` (a browser's Origin header, compared exactly) may use the API. */
export function corsAllows(policy: CorsPolicy, origin: string): boolean {
  if (policy.origins === '*' || policy.origins.includes(origin)) return true;
  if (!policy.localhost || !URL.canParse(origin)) return false;
  const url = new URL(origin);
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') && LOCAL_HOSTS.has(url.hostname) && url.origin === origin
  );
}

/**
 * CORS for one route: allowed origins get their Access-Control-* headers and preflights answered
 * here; others get none, so their pages cannot read an answer or send a non-simple request. Requests
 * themselves are never refused for their Origin (same-origin pages and non-browser clients need no
 * CORS), which is why CSRF prevention still refuses simple POSTs.
 */
export function corsFor(policy: CorsPolicy, methods: string[]) {
  const allowMethods = methods.join(', ');
  return (req: Request, res: Response, next: NextFunction) => {
    res.vary('Origin');
    const origin = req.header('origin');
    const allowed = origin !== undefined && corsAllows(policy, origin);
    const preflight = req.method === 'OPTIONS' && req.header('access-control-request-method') !== undefined;
    if (allowed) {
      res.setHeader('access-control-allow-origin', policy.origins === '*' ? '*' : origin);
      if (policy.credentials) res.setHeader('access-control-allow-credentials', 'true');
    }
    if (!preflight) {
      if (allowed) res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
      return next();
    }
    if (!allowed) return void res.status(403).end();
    res.setHeader('access-control-allow-methods', allowMethods);
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
    res.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE_SECONDS));
    res.status(204).end();
  };
}
