import type { NextFunction, Request, Response } from 'express';

/** Request bodies a browser sends to any origin without asking first (no CORS preflight). */
const SIMPLE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain']);

/** Headers no page can add to a cross-origin request without a preflight, which CORS then decides. */
const PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'];

/**
 * Apollo's CSRF prevention, less its refusal of GET. Any page a user opens can make the browser
 * POST a form or text/plain to any address, unasked: such a POST could run a mutation, from the
 * user's machine and network (a dev gateway on localhost included), so it is refused unless it
 * carries a header that forces a preflight. GET is let through: it runs queries only (Apollo
 * answers a mutation over GET with 405), the credential is a bearer header that another origin's
 * page cannot attach without a preflight (the API reads no cookies), and CORS keeps the answer from
 * that page. That is what urql's GET queries and persisted-query GETs need.
 */
export function simplePostsRefused(req: Request, res: Response, next: NextFunction) {
  if (req.method !== 'POST') return next();
  const type = req.header('content-type');
  if (type !== undefined && !SIMPLE_CONTENT_TYPES.has(type.split(';')[0]!.trim().toLowerCase())) return next();
  if (PREFLIGHT_HEADERS.some((name) => req.header(name))) return next();
  res.status(400).json({
    errors: [
      {
        message:
          'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Send it with ' +
          'content-type: application/json, ' +
          `or with a non-empty ${PREFLIGHT_HEADERS.join(' or ')} header.`,
        extensions: { code: 'BAD_REQUEST' },
      },
    ],
  });
}
