// The admins' reports page, `PUBLIC_URL/admin/reports`: static HTML, our own scripts from pages/ and
// Chart.js's browser build, served by the gateway from node_modules (never a CDN), under the same strict
// CSP as the other pages. The script signs the admin in and asks /graphql for the reports, as any client.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import express from 'express';
import { sendPage } from './pages.js';

/** Chart.js's UMD build: one file that defines `window.Chart`, with nothing to bundle. */
const CHART_FILE = 'chart.umd.min.js';

/** Where the installed chart.js keeps its builds; a gateway without it fails at start, not on the page. */
function chartDir(): string {
  try {
    return dirname(createRequire(import.meta.url).resolve('chart.js'));
  } catch {
    throw new Error('chart.js is not installed: the admin reports page serves its browser build (run npm ci)');
  }
}

const BODY = `<form id="sign-in" novalidate hidden>
<p>Sign in with an administrator's account to see PeerLink's figures.</p>
<label for="login">Email or username</label>
<input id="login" name="login" autocomplete="username" required aria-describedby="sign-in-error">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required
  aria-describedby="sign-in-error">
<p id="sign-in-error" class="error" hidden></p>
<button type="submit">Sign in</button>
</form>
<p id="status" role="status" aria-live="polite"></p>
<div id="reports" hidden>
<form id="period" class="period" novalidate>
<div><label for="from">From</label><input id="from" name="from" type="date" required></div>
<div><label for="to">To</label><input id="to" name="to" type="date" required></div>
<button type="submit">Show</button>
<button type="button" id="sign-out" class="secondary">Sign out</button>
</form>
<p id="time-zone" class="help"></p>
</div>`;

export function adminPageRouter(): express.Router {
  const router = express.Router();
  const charts = chartDir();

  router.get(`/admin/vendor/${CHART_FILE}`, (_req, res, next) =>
    res.sendFile(
      CHART_FILE,
      { root: charts, headers: { 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' } },
      (err) => {
        if (err && !res.headersSent) next(err);
      },
    ),
  );

  router.get('/admin/reports', (_req, res) =>
    sendPage(res, {
      title: 'Reports · PeerLink admin',
      heading: 'Reports',
      head: [
        '<link rel="stylesheet" href="../pages/pages.css">',
        '<link rel="stylesheet" href="../pages/admin-reports.css">',
        `<script src="vendor/${CHART_FILE}"></script>`,
        '<script type="module" src="../pages/admin-reports.js"></script>',
      ].join('\n'),
      body: BODY,
      noscript: '<p>This page needs JavaScript to read the reports from PeerLink.</p>',
      wide: true,
    }),
  );
  return router;
}
