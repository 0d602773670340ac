// The pages links open: `PUBLIC_URL/verify-email?token=…` and `PUBLIC_URL/reset-password?token=…` from
// emails, and `PUBLIC_URL/certificate?id=…` printed on a course certificate. Each is static HTML plus a
// small script from pages/ that asks the GraphQL API from the browser, as any client would, and says
// what happened. Nothing from the request is echoed
// into the HTML, and the strict CSP allows only our own script, style and /graphql.
import { fileURLToPath } from 'node:url';
import express, { type Response } from 'express';

/** The static scripts and style, beside dist/ and src/ alike. */
const ASSETS_DIR = fileURLToPath(new URL('../pages/', import.meta.url));

const CSP = [
  `default-src 'none'`,
  `script-src 'self'`,
  `style-src 'self'`,
  `connect-src 'self'`,
  `img-src data:`, // the empty favicon, so the browser asks for none
  `base-uri 'none'`,
  // The forms are sent by the script, never by the browser itself.
  `form-action 'none'`,
  `frame-ancestors 'none'`,
].join('; ');

const TOKEN_NOSCRIPT = `<p>This page needs JavaScript to reach PeerLink. Without it, paste the token from the
  email into the app.</p>`;

/** The headers of every page here, the admins' reports page too (admin-page.ts). */
const PAGE_HEADERS = {
  'Content-Security-Policy': CSP,
  // The token is in the address: keep it out of caches and of other sites' Referer.
  'Cache-Control': 'no-store',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
};

/** A page's HTML under the shared headers: our own styles and scripts (`head`), nothing from elsewhere. */
export function sendPage(
  res: Response,
  page: { title: string; heading: string; head: string; body: string; noscript: string; wide?: boolean },
) {
  res
    .set(PAGE_HEADERS)
    .type('html')
    .send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
<link rel="icon" href="data:,">
${page.head}
</head>
<body>
<main${page.wide ? ' class="wide"' : ''}>
<h1 id="title" tabindex="-1">${page.heading}</h1>
${page.body}
<noscript>${page.noscript}</noscript>
</main>
</body>
</html>
`);
}

function page(res: Response, title: string, script: string, body: string, noscript = TOKEN_NOSCRIPT) {
  sendPage(res, {
    title: `${title} · PeerLink`,
    heading: title,
    head: `<link rel="stylesheet" href="pages/pages.css">\n<script type="module" src="pages/${script}"></script>`,
    body,
    noscript,
  });
}

export function pagesRouter(): express.Router {
  const router = express.Router();
  router.use(
    '/pages',
    express.static(ASSETS_DIR, {
      index: false,
      setHeaders: (res) => res.set({ 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' }),
    }),
  );

  router.get('/verify-email', (_req, res) =>
    page(
      res,
      'Confirm your email address',
      'verify-email.js',
      `<p id="status" role="status" aria-live="polite">Confirming your address…</p>`,
    ),
  );

  router.get('/reset-password', (_req, res) =>
    page(
      res,
      'Choose a new password',
      'reset-password.js',
      `<form id="reset" novalidate hidden>
<p>Choose a new password for your PeerLink account. Every device signed in with the old one is signed out.</p>
<label for="password">New password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="10"
  aria-describedby="password-help password-error">
<p id="password-help" class="help">At least 10 characters; not a common password, nor your username or email.</p>
<p id="password-error" class="error" hidden></p>
<label for="confirm">New password again</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required
  aria-describedby="confirm-error">
<p id="confirm-error" class="error" hidden></p>
<button type="submit">Set the new password</button>
</form>
<p id="status" role="status" aria-live="polite"></p>`,
    ),
  );
  // Public: anyone handed a certificate checks it here; the id is read by the script, never echoed.
  router.get('/certificate', (_req, res) =>
    page(
      res,
      'Certificate of completion',
      'certificate.js',
      `<p id="status" role="status" aria-live="polite">Checking the certificate…</p>
<dl id="details" hidden>
<dt>Awarded to</dt><dd id="student"></dd>
<dt>For completing</dt><dd id="course"></dd>
<dt>Taught by</dt><dd id="instructor"></dd>
<dt>On</dt><dd id="issued"></dd>
</dl>`,
      '<p>This page needs JavaScript to check the certificate with PeerLink.</p>',
    ),
  );
  return router;
}
