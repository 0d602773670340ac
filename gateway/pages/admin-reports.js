import { destroyCharts } from './admin-charts.js';
import { platformReport } from './admin-platform-report.js';
import { salesReport } from './admin-sales-report.js';
import { storageReport } from './admin-storage-report.js';
import { explain, graphql, say } from './api.js';

/**
 * The reports this page shows, in order. Another one is a module like admin-platform-report.js
 * ({ id, title, query, draw(data, section, period) }, its query taking `$period: ReportPeriod!`) listed
 * here. Each is asked for on its own, so one the viewer may not read, or one that fails, leaves the rest.
 */
const REPORTS = [platformReport, salesReport, storageReport];

/** How many days the page shows at first, today included. */
const DEFAULT_DAYS = 30;

// sessionStorage: the token lasts as long as this tab, and no other tab, site or later visit reads it.
const TOKEN_KEY = 'peerlink.admin.accessToken';
const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const signInForm = document.getElementById('sign-in');
const reports = document.getElementById('reports');
const periodForm = document.getElementById('period');
const from = document.getElementById('from');
const to = document.getElementById('to');

/** YYYY-MM-DD of today in the viewer's time zone, and of `days` before a date (calendar days, so no DST). */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
const daysBefore = (date, days) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

function showSignIn(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  for (const section of document.querySelectorAll('section.report')) {
    destroyCharts(section);
    section.remove();
  }
  reports.hidden = true;
  signInForm.hidden = false;
  document.getElementById('title').textContent = 'Reports';
  say(message ?? '', message ? 'error' : undefined);
  document.getElementById('login').focus();
}

function signInError(text) {
  const error = document.getElementById('sign-in-error');
  error.textContent = text ?? '';
  error.hidden = !text;
  for (const input of signInForm.querySelectorAll('input'))
    text ? input.setAttribute('aria-invalid', 'true') : input.removeAttribute('aria-invalid');
}

signInForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  signInError();
  const login = document.getElementById('login').value.trim();
  const password = document.getElementById('password').value;
  if (!login || !password) return signInError('Enter your email or username and your password.');
  const button = signInForm.querySelector('button');
  button.disabled = true;
  const { data, errors } = await graphql(
    'mutation AdminSignIn($input: LoginInput!) { createSession(input: $input) { accessToken } }',
    { input: { login, password } },
  );
  button.disabled = false;
  const token = data?.createSession?.accessToken;
  if (!token) {
    const error = errors[0];
    const code = error?.extensions?.code;
    return signInError(code === 'UNAUTHENTICATED' ? error.message : explain(error));
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  document.getElementById('password').value = '';
  showReports();
});

document.getElementById('sign-out').addEventListener('click', async () => {
  const token = sessionStorage.getItem(TOKEN_KEY);
  // Ends the session on the server too; signed out here whatever it answers.
  if (token) await graphql('mutation AdminSignOut { endSession }', {}, token);
  showSignIn();
});

periodForm.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!from.value || !to.value) return say('Choose both days of the period.', 'error');
  load();
});

function showReports() {
  signInForm.hidden = true;
  reports.hidden = false;
  if (!to.value) {
    to.value = today();
    from.value = daysBefore(to.value, DEFAULT_DAYS - 1);
  }
  document.getElementById('time-zone').textContent = `Days run midnight to midnight in your time zone, ${timeZone}.`;
  load();
}

/** The section a report draws in, emptied of an earlier period's charts. */
function sectionFor(report) {
  let section = document.getElementById(`report-${report.id}`);
  if (section) destroyCharts(section);
  else {
    section = document.createElement('section');
    section.id = `report-${report.id}`;
    section.className = 'report';
    section.setAttribute('aria-labelledby', `report-${report.id}-title`);
    reports.append(section);
  }
  const heading = document.createElement('h2');
  heading.id = `report-${report.id}-title`;
  heading.textContent = report.title;
  section.replaceChildren(heading);
  return section;
}

async function load() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showSignIn();
  const period = { from: from.value, to: to.value, timeZone };
  say('Loading the reports…');
  const answers = await Promise.all(
    REPORTS.map(async (report) => ({ report, ...(await graphql(report.query, { period }, token)) })),
  );
  const codes = answers.flatMap(({ errors }) => errors.map((e) => e.extensions?.code));
  if (codes.includes('UNAUTHENTICATED')) return showSignIn('Your session has ended. Sign in again.');

  const refused = answers.flatMap(({ errors }) => errors).find((e) => e.extensions?.code === 'BAD_USER_INPUT');
  if (codes.includes('FORBIDDEN') || refused) removeReports();
  // A period every report refuses alike (from after to, too long) is said once.
  if (refused) return say(refused.message, 'error');
  if (codes.includes('FORBIDDEN')) {
    // Not an admin: no figures at all, not even the public rankings, on the admins' page.
    document.getElementById('title').textContent = 'Not an administrator';
    return say(
      'FORBIDDEN: only administrators may see these reports, and this account is not one. ' +
        'Sign out, then sign in with an administrator’s account.',
      'error',
    );
  }
  let failures = 0;
  for (const { report, data, errors } of answers) {
    const section = sectionFor(report);
    if (!errors.length) {
      report.draw(data, section, period);
      continue;
    }
    failures++;
    const message = document.createElement('p');
    message.className = 'error';
    message.textContent = explain(errors[0]);
    section.append(message);
  }
  if (failures) say(`${failures} of ${REPORTS.length} reports could not be shown.`, 'error');
  else say(`Showing ${period.from} to ${period.to}.`);
}

function removeReports() {
  for (const section of reports.querySelectorAll('section.report')) {
    destroyCharts(section);
    section.remove();
  }
}

if (sessionStorage.getItem(TOKEN_KEY)) showReports();
else showSignIn();
