/**
 * `npm run bench:analytics`: the analytics subgraph on PostgreSQL and NATS JetStream, alone behind the
 * gateway (the two processes of the stack this starts), so nothing else consumes what the bench
 * publishes and one analytics consumer is all that is measured.
 *
 *   - Projection throughput: BENCH_ANALYTICS_EVENTS (10,000) events in the year's mix, with the payloads
 *     their publishers send (analytics-data.js), plus BENCH_ANALYTICS_DUPLICATES_PERCENT (5) % of them again
 *     under another NATS message id (as an outbox that publishes again after JetStream's two-minute dedupe
 *     window would), are put on the bus while analytics is stopped; then it starts, with its defaults, and
 *     drains them. Done when each of its durable consumers has nothing pending or unacknowledged and every
 *     event (but session refreshes, which may leave it again) is in its log. Measured on empty read models
 *     and again after the year below is loaded.
 *   - Report latency: a year (BENCH_ANALYTICS_DAYS, 365) of BENCH_ANALYTICS_USERS (10,000) users. The
 *     facts' events are written straight into analytics' event log and facts with multi-row inserts, as
 *     the projection stores them (facts.ts, copied in analytics-data.js, and checked against what the live
 *     projection wrote in the first part); the sales read models' events go through the bus. Then each
 *     report in REPORTS through the gateway, one request at a time after warm-up, for a day, a calendar
 *     month and the year, in each of TIME_ZONES, each for up to BENCH_ANALYTICS_CELL_SECONDS (4) s and
 *     BENCH_ANALYTICS_SAMPLES (200) requests, at least 20.
 *
 * Runs the built dist (`npx turbo build` first) in about eleven minutes on 2 cores, six of them loading the
 * year. Writes bench/ANALYTICS-RESULTS.md.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { insertYearBatch, isBulkLoaded, keptOf, projectionOf, USAGE, UsageModel } from './analytics-data.js';
import { bearer } from './graphql.js';
import { cpuModel, cpuSeconds } from './proc.js';
import { runBench, SERVICES, SystemUnderTest, withPg } from './stack.js';
import { mapLimit, percentile, positiveInteger, waitFor } from './util.js';

const RESULTS_FILE = fileURLToPath(new URL('./ANALYTICS-RESULTS.md', import.meta.url));
const setting = (name, fallback) => positiveInteger('bench:analytics', name, fallback);
const options = {
  users: setting('BENCH_ANALYTICS_USERS', 10_000),
  days: setting('BENCH_ANALYTICS_DAYS', 365),
  events: setting('BENCH_ANALYTICS_EVENTS', 10_000),
  duplicatesPercent: setting('BENCH_ANALYTICS_DUPLICATES_PERCENT', 5),
  cellSeconds: setting('BENCH_ANALYTICS_CELL_SECONDS', 4),
  samples: setting('BENCH_ANALYTICS_SAMPLES', 200),
};
const MIN_SAMPLES = 20;
/** A report slower than this per row gets fewer requests: at least SLOW_MIN_SAMPLES. */
const SLOW_CELL_MS = 30_000;
const SLOW_MIN_SAMPLES = 3;
const WARM_UP_REQUESTS = 3;
/** A slow report is warm after one request: warm-up stops once it has taken this long. */
const WARM_UP_MS = 5_000;
const DRAIN_DEADLINE_MS = 10 * 60_000;
/** Days per multi-row insert while loading the year. */
const LOAD_DAYS_PER_BATCH = 2;
const HOST = '127.0.0.1';
const SCHEMA = 'analytics';
const log = (line) => console.error(`bench:analytics: ${line}`);

const SELLER_REPORT = `query SellerReport($period: ReportPeriod!) { sellerReport(period: $period) { sellerId
  days { date orders revenue { amount currency } refunds { amount currency } payouts { amount currency } }
  totals { orders revenue { amount currency } refunds { amount currency } payouts { amount currency } }
  lastEventAt } }`;
const PLATFORM_REPORT = `query PlatformReport($period: ReportPeriod!) { platformReport(period: $period) {
  days { date activeUsers signUps posts messages orders failedPayments }
  money { date grossVolume { amount currency } refunds { amount currency } } monthlyActiveUsers lastEventAt } }`;

const SALES = 'title units revenue { amount currency }';
const TOP_PRODUCTS = `query TopProducts($period: ReportPeriod!, $category: ID) {
  topProducts(period: $period, category: $category, first: 10) {
    byUnits { ${SALES} } byRevenue { currencyCode products { ${SALES} } } lastEventAt } }`;
const TOP_COURSES = `query TopCourses($period: ReportPeriod!) { topCourses(period: $period, first: 10) {
  byUnits { ${SALES} } byRevenue { currencyCode courses { ${SALES} } } lastEventAt } }`;

/**
 * Each report measured: its name in the results, who asks (an account the bench seeds), the operation, and any
 * variables besides the period (from the year's model).
 */
const REPORTS = [
  { name: 'sellerReport, busiest seller', viewer: 'busiestSeller', query: SELLER_REPORT },
  { name: 'sellerReport, typical seller', viewer: 'typicalSeller', query: SELLER_REPORT },
  { name: 'platformReport', viewer: 'admin', query: PLATFORM_REPORT },
  { name: 'topProducts', viewer: 'admin', query: TOP_PRODUCTS },
  {
    name: 'topProducts, one category',
    viewer: 'admin',
    query: TOP_PRODUCTS,
    with: (m) => ({ category: m.firstCategory }),
  },
  { name: 'topCourses', viewer: 'admin', query: TOP_COURSES },
];
const TIME_ZONES = ['UTC', 'America/New_York'];

/** The analytics subgraph and the gateway in front of it, nothing else; analytics can be stopped and started. */
class AnalyticsUnderTest extends SystemUnderTest {
  async startProcesses() {
    this.processes = [];
    this.analyticsPort = String(this.subgraphPorts[0]);
    this.subgraphs = { analytics: `http://${HOST}:${this.analyticsPort}/graphql` };
    await this.startAnalytics();
    // As stack.js starts the gateway, with only analytics' URL: the other subgraphs are not running.
    const gateway = this.spawn(
      'gateway',
      'gateway/dist/main.js',
      { SERVICE: 'gateway', PORT: String(this.port), SUBGRAPH_URLS: `analytics=${this.subgraphs.analytics}` },
      ['--max-semi-space-size=32'],
    );
    // Its /readyz waits for every subgraph of the supergraph; /healthz and a first query are enough here.
    await gateway.ready(`http://${HOST}:${this.port}/healthz`);
  }

  async startAnalytics() {
    const analytics = this.spawn('analytics', 'subgraphs/analytics/dist/main.js', {
      SERVICE: 'analytics',
      PORT: this.analyticsPort,
    });
    await analytics.ready(`http://${HOST}:${this.analyticsPort}/readyz`);
    return analytics;
  }

  async stopAnalytics() {
    const analytics = this.processes.find((p) => p.name === 'analytics');
    await analytics.stop();
    this.processes = this.processes.filter((p) => p !== analytics);
  }
}

const startedAt = Date.now();
const loadBefore = loadavg();
await runBench(
  'bench:analytics',
  RESULTS_FILE,
  async ({ start }) => {
    log('creating a database, starting analytics and the gateway');
    const system = await start({ embedded: false, topology: 'distributed' });
    const [admin] = await system.seedAccounts(1, { roles: ['USER', 'ADMIN'] });
    const [busiestSeller, typicalSeller] = await system.seedAccounts(2, { roles: ['USER', 'SELLER'] });
    const viewers = { admin, busiestSeller, typicalSeller };
    const today = new Date().toISOString().slice(0, 10);
    const model = new UsageModel({
      users: options.users,
      days: options.days,
      today,
      sellers: [busiestSeller.userId, typicalSeller.userId],
    });
    const nats = await connect({ servers: SERVICES.nats, name: 'bench-analytics' });
    try {
      await waitFor('the gateway to answer', () => request(system, admin, '{ __typename }').then(() => true), 30_000);
      const empty = await measureProjection(system, nats, model, 'empty read models');
      const copyChecked = await checkCopiedProjection(system, empty.events);
      const year = await loadYear(system, nats, model);
      const loaded = await measureProjection(system, nats, model, 'after a year');
      const checked = await checkYearFigures(system, viewers.admin, model);
      const latency = await measureLatency(system, viewers, model);
      const sizes = await tableSizes(system);
      return render({
        projection: [empty, loaded],
        copyChecked,
        year,
        checked,
        latency,
        sizes,
        wallSeconds: (Date.now() - startedAt) / 1000,
      });
    } finally {
      await nats.close();
    }
  },
  AnalyticsUnderTest,
);

/** One GraphQL request as `viewer`; its data, or an error with what the gateway said. */
async function request(system, viewer, query, variables = {}) {
  const response = await fetch(system.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...bearer(viewer.token) },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  const body = JSON.parse(text);
  if (!response.ok || body.errors?.length) throw new Error(`GraphQL ${response.status}: ${text.slice(0, 500)}`);
  return { data: body.data, bytes: text.length };
}

/**
 * Publishes a backlog while analytics is stopped, starts it, and times how fast it absorbs the backlog:
 * from the first event it logs to the last, and until its consumers have nothing left.
 */
async function measureProjection(system, nats, model, label) {
  const events = model.liveEvents(options.events);
  const every = Math.round(100 / options.duplicatesPercent);
  // A second copy of every `every`th event, a few places after its original, as a republished event follows it.
  const deliveries = [];
  const copies = [];
  for (const [i, event] of events.entries()) {
    deliveries.push({ event });
    if (copies[0]?.due === i) deliveries.push(copies.shift().delivery);
    if (i % every === every - 1) copies.push({ due: i + 3, delivery: { event, again: true } });
  }
  deliveries.push(...copies.map((copy) => copy.delivery));
  const duplicates = deliveries.length - events.length;

  log(`${label}: publishing ${events.length} events and ${duplicates} second copies with analytics stopped`);
  await system.stopAnalytics();
  const js = jetstream(nats);
  await mapLimit(deliveries, 256, ({ event, again }) =>
    js.publish(`${system.namespace}.events.${event.name}`, JSON.stringify(event), {
      msgID: again ? `${event.id}-again` : event.id,
    }),
  );

  const started = performance.now();
  const analytics = await system.startAnalytics();
  const ids = events.map((e) => e.id);
  // Session refreshes may leave the log again (only those a fact names stay): the others are counted.
  const kept = events.filter((e) => e.name !== 'identity.session.refreshed').map((e) => e.id);
  // CPU is counted from readiness, so start-up is not in it, over the events logged from then on.
  const analyticsCpuBefore = cpuSeconds(analytics.pid);
  const postgresBefore = await system.postgresCpuSeconds();
  const jsm = await jetstreamManager(nats);
  const logged = async () =>
    (
      await withPg(system.databaseUrl, (db) =>
        db.query(`select count(*)::int as n from ${SCHEMA}.event_log where event_id = any($1::uuid[])`, [kept]),
      )
    ).rows[0].n;
  const loggedAtReady = await logged();
  await waitFor(
    `analytics to absorb ${events.length} events`,
    async () => (await drained(system, jsm, events)) && (await logged()) === kept.length,
    DRAIN_DEADLINE_MS,
    200,
  );
  const drainedMs = performance.now() - started;
  const analyticsCpu = cpuSeconds(analytics.pid) - analyticsCpuBefore;
  const postgresCpu = await system.postgresCpuSince(postgresBefore);
  const { span, facts } = await withPg(system.databaseUrl, async (db) => ({
    span: (
      await db.query(
        `select extract(epoch from max(received_at) - min(received_at))::float8 as seconds
         from ${SCHEMA}.event_log where event_id = any($1::uuid[])`,
        [ids],
      )
    ).rows[0].seconds,
    facts: (await db.query(`select count(*)::int as n from ${SCHEMA}.facts where event_id = any($1::uuid[])`, [ids]))
      .rows[0].n,
  }));
  const dead = (await jsm.streams.info(`${system.namespace.toUpperCase()}_DEAD_LETTERS`)).state.messages;
  const result = {
    label,
    events,
    duplicates,
    deliveries: deliveries.length,
    spanSeconds: span,
    drainedSeconds: drainedMs / 1000,
    facts,
    deadLetters: dead,
    analyticsCpu,
    postgresCpu,
    /** Deliveries handled after analytics was ready, over which the CPU was counted. */
    measuredDeliveries: ((kept.length - loggedAtReady) * deliveries.length) / kept.length,
    mix: countBy(events.map((e) => e.name)),
  };
  log(
    `${label}: ${Math.round(events.length / result.spanSeconds)} events/s (${result.spanSeconds.toFixed(1)} s ` +
      `first to last logged; ${result.drainedSeconds.toFixed(1)} s from starting analytics to drained)`,
  );
  return result;
}

/** Whether analytics' durable consumer of each event name in `events` has nothing pending or unacknowledged. */
async function drained(system, jsm, events) {
  const stream = `${system.namespace.toUpperCase()}_EVENTS`;
  for (const name of new Set(events.map((e) => e.name))) {
    const info = await jsm.consumers.info(stream, `analytics__${name}`.replace(/[^A-Za-z0-9_-]/g, '_'));
    if (info.num_pending > 0 || info.num_ack_pending > 0) return false;
  }
  return true;
}

/**
 * The copy of the projection the year is loaded with stores what the live projection stored of the same events:
 * the same facts, and the same log rows (session refreshes that no fact names are dropped from it).
 */
async function checkCopiedProjection(system, events) {
  const ids = events.map((e) => e.id);
  const { facts, logged } = await withPg(system.databaseUrl, async (db) => ({
    facts: (
      await db.query(
        `select key, kind, subject_id, actor_id, amount::text, currency, occurred_at, event_id
         from ${SCHEMA}.facts where event_id = any($1::uuid[])`,
        [ids],
      )
    ).rows,
    logged: (
      await db.query(`select event_id, payload from ${SCHEMA}.event_log where event_id = any($1::uuid[])`, [
        events.filter(isBulkLoaded).map((e) => e.id),
      ])
    ).rows,
  }));
  const expected = projectionOf(events);
  const stored = new Map(facts.map((row) => [row.key, row]));
  const payloads = new Map(logged.map((row) => [row.event_id, row.payload]));
  const differing = [];
  for (const fact of expected.facts) {
    const row = stored.get(fact.key);
    const same =
      row &&
      row.kind === fact.kind &&
      row.subject_id === fact.subject &&
      row.actor_id === fact.actor &&
      (row.amount === null ? null : Number(row.amount)) === fact.amount &&
      row.currency === fact.currency &&
      row.occurred_at.getTime() === Date.parse(fact.occurredAt) &&
      row.event_id === fact.eventId;
    if (!same) differing.push(`fact ${fact.key}: expected ${JSON.stringify(fact)}, stored ${JSON.stringify(row)}`);
  }
  for (const event of expected.logged)
    if (JSON.stringify(sorted(payloads.get(event.id))) !== JSON.stringify(sorted(keptOf(event))))
      differing.push(`log ${event.name} ${event.id}: expected ${JSON.stringify(keptOf(event))}`);
  if (facts.length !== expected.facts.length || logged.length !== expected.logged.length)
    differing.push(
      `${facts.length} facts and ${logged.length} log rows stored, ${expected.facts.length} and ` +
        `${expected.logged.length} expected`,
    );
  if (differing.length)
    throw new Error(
      `the bench's copy of the projection differs (${differing.length}):\n${differing.slice(0, 5).join('\n')}`,
    );
  return { events: events.filter(isBulkLoaded).length, facts: expected.facts.length, logged: expected.logged.length };
}

function sorted(object) {
  return Object.fromEntries(Object.entries(object ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The year, day by day, generated and inserted as the projection would have stored it. As any bulk load does,
 * the two tables' indexes (whatever the migrations made) are dropped first and built again after, from their
 * own definitions; then the tables are vacuumed and analysed.
 */
async function loadYear(system, nats, model) {
  log(`loading ${options.days} days of ${options.users} users`);
  const started = performance.now();
  const connections = [new pg.Client(system.databaseUrl), new pg.Client(system.databaseUrl)];
  let events = 0;
  let facts = 0;
  let logged = 0;
  /** The sales read models' events (orders' lines, products, courses): through the projection itself. */
  const viaBus = [];
  try {
    await Promise.all(connections.map((c) => c.connect()));
    const [db] = connections;
    const { rows: indexes } = await db.query(
      `select t.relname as table, i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition,
         c.conname as constraint, pg_get_constraintdef(c.oid) as constraint_definition
       from pg_index i join pg_class t on t.oid = i.indrelid join pg_namespace n on n.oid = t.relnamespace
         left join pg_constraint c on c.conindid = i.indexrelid and c.contype in ('p', 'u')
       where n.nspname = $1 and t.relname in ('facts', 'event_log')`,
      [SCHEMA],
    );
    for (const index of indexes)
      await db.query(
        index.constraint
          ? `alter table ${SCHEMA}.${index.table} drop constraint ${index.constraint}`
          : `drop index ${index.name}`,
      );
    // Each batch is generated while the one before is being inserted.
    let inserting = Promise.resolve();
    for (let day = 0; day < options.days; day += LOAD_DAYS_PER_BATCH) {
      const batch = [];
      for (let d = day; d < Math.min(options.days, day + LOAD_DAYS_PER_BATCH); d++) batch.push(...model.eventsOf(d));
      viaBus.push(...batch.filter((event) => !isBulkLoaded(event)));
      await inserting;
      inserting = insertYearBatch(connections, SCHEMA, batch).then((stored) => {
        facts += stored.facts;
        logged += stored.logged;
      });
      events += batch.length;
      if (day % 60 === 0) log(`  ${model.dateOf(day)}: ${events.toLocaleString('en-US')} events so far`);
    }
    await inserting;
    const insertSeconds = (performance.now() - started) / 1000;
    await Promise.all(
      connections.map(async (connection, i) => {
        await connection.query("set maintenance_work_mem = '256MB'");
        for (const index of indexes.filter((_, j) => j % connections.length === i))
          await connection.query(
            index.constraint
              ? `alter table ${SCHEMA}.${index.table} add constraint ${index.constraint} ${index.constraint_definition}`
              : index.definition,
          );
      }),
    );
    const indexSeconds = (performance.now() - started) / 1000 - insertSeconds;
    // The platform report's read models, as the folds fill them (the same statements as the migration that made
    // them, subgraphs/analytics/src/migrations/Migration20261206234500_platform_days.ts), from every fact stored.
    await db.query(`truncate ${SCHEMA}.fact_slots, ${SCHEMA}.activity_days`);
    await db.query(
      `insert into ${SCHEMA}.fact_slots (slot, kind, currency, facts, amount, last_at)
       select date_bin('15 minutes', occurred_at, timestamptz 'epoch'), kind, coalesce(currency, ''), count(*),
         coalesce(sum(amount), 0), max(occurred_at)
       from ${SCHEMA}.facts where kind <> 'SESSION_ACTIVE' group by 1, 2, 3`,
    );
    await db.query(
      `insert into ${SCHEMA}.activity_days (user_id, day, first_at, last_at)
       select actor_id, (occurred_at at time zone 'UTC')::date, min(occurred_at), max(occurred_at)
       from ${SCHEMA}.facts
       where actor_id is not null
         and kind in ('SIGN_UP', 'SIGN_IN', 'SESSION_ACTIVE', 'POST', 'MESSAGE', 'ORDER', 'PAYMENT')
       group by 1, 2`,
    );
    // A year-old table has been vacuumed and analysed many times over: so is this one before it is read.
    await db.query(
      `vacuum analyze ${SCHEMA}.facts, ${SCHEMA}.event_log, ${SCHEMA}.fact_slots, ${SCHEMA}.activity_days`,
    );
    const seconds = (performance.now() - started) / 1000;
    const busStarted = performance.now();
    log(`publishing the year's ${viaBus.length} sales events for analytics to fold`);
    const js = jetstream(nats);
    await mapLimit(viaBus, 256, (event) =>
      js.publish(`${system.namespace}.events.${event.name}`, JSON.stringify(event), { msgID: event.id }),
    );
    const jsm = await jetstreamManager(nats);
    await waitFor('analytics to fold the sales events', () => drained(system, jsm, viaBus), DRAIN_DEADLINE_MS, 500);
    const busSeconds = (performance.now() - busStarted) / 1000;
    await db.query(`vacuum analyze ${SCHEMA}.sales_lines, ${SCHEMA}.sales_products, ${SCHEMA}.sales_courses`);
    log(`loaded ${events.toLocaleString('en-US')} events in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const counts = { ...model.counts };
    const bus = { events: viaBus.length, seconds: busSeconds };
    return { events, facts, logged, counts, insertSeconds, indexSeconds, seconds, indexes: indexes.length, bus };
  } finally {
    await Promise.all(connections.map((c) => c.end()));
  }
}

/**
 * The year's platform figures in UTC, month by month (the year in one request may outlast the gateway's
 * upstream timeout), against what was loaded: the reports read the whole year.
 */
async function checkYearFigures(system, admin, model) {
  const first = model.dateOf(0);
  const last = model.dateOf(options.days - 1);
  const days = [];
  let monthlyActiveUsers = 0;
  for (let from = first; from <= last; from = nextMonth(from)) {
    const to = [dayBefore(nextMonth(from)), last].sort()[0];
    const { data } = await request(system, admin, PLATFORM_REPORT, { period: { from, to, timeZone: 'UTC' } });
    days.push(...data.platformReport.days);
    monthlyActiveUsers = data.platformReport.monthlyActiveUsers;
  }
  const sum = (field) => days.reduce((total, day) => total + day[field], 0);
  const figures = {
    signUps: [sum('signUps'), model.counts['identity.user.registered'] ?? 0],
    posts: [sum('posts'), model.counts['social.post.created'] ?? 0],
    messages: [sum('messages'), model.counts['chat.message.sent'] ?? 0],
    orders: [sum('orders'), model.counts['marketplace.order.placed'] ?? 0],
    failedPayments: [sum('failedPayments'), model.counts['payments.payment.failed'] ?? 0],
  };
  const wrong = Object.entries(figures).filter(([, [reported, loaded]]) => reported !== loaded);
  if (wrong.length) throw new Error(`platformReport over the year disagrees with the load: ${JSON.stringify(wrong)}`);
  return { figures, monthlyActiveUsers };
}

/** The first day of the month after the one `date` is in. */
function nextMonth(date) {
  const [year, month] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
}

function dayBefore(date) {
  return new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** The periods of the year measured: its last day, the last whole calendar month, and all of it. */
function periodsOf(model) {
  const lastDay = model.dateOf(options.days - 1);
  const monthEnd = new Date(Date.parse(`${lastDay.slice(0, 8)}01T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
  return [
    { name: 'day', from: lastDay, to: lastDay },
    { name: 'month', from: `${monthEnd.slice(0, 8)}01`, to: monthEnd },
    { name: 'year', from: model.dateOf(0), to: lastDay },
  ];
}

/**
 * Each report × period × time zone: warm-up, then one request at a time. A request that fails (the gateway
 * gives up on analytics after UPSTREAM_TIMEOUT_MS, 10 s) counts with the time it took, and its code is kept.
 */
async function measureLatency(system, viewers, model) {
  const cells = [];
  for (const report of REPORTS) {
    for (const period of periodsOf(model)) {
      for (const timeZone of TIME_ZONES) {
        const variables = { ...report.with?.(model), period: { from: period.from, to: period.to, timeZone } };
        const viewer = viewers[report.viewer];
        const attempt = async () => {
          const sent = performance.now();
          try {
            const { bytes } = await request(system, viewer, report.query, variables);
            return { ms: performance.now() - sent, bytes };
          } catch (error) {
            return {
              ms: performance.now() - sent,
              failure: /"code":"([A-Z_]+)"/.exec(error.message)?.[1] ?? error.name,
            };
          }
        };
        const warmUpStarted = performance.now();
        for (let i = 0; i < WARM_UP_REQUESTS && performance.now() - warmUpStarted < WARM_UP_MS; i++) await attempt();
        const attempts = [];
        const cellStarted = performance.now();
        const enough = () => {
          const elapsed = performance.now() - cellStarted;
          if (attempts.length >= options.samples) return true;
          if (elapsed > SLOW_CELL_MS) return attempts.length >= SLOW_MIN_SAMPLES;
          return attempts.length >= MIN_SAMPLES && elapsed >= options.cellSeconds * 1000;
        };
        while (!enough()) attempts.push(await attempt());
        const failures = countBy(attempts.filter((a) => a.failure).map((a) => a.failure));
        const bytes = attempts.find((a) => a.bytes)?.bytes ?? 0;
        const cell = { report: report.name, period, timeZone, bytes, failures, ...stats(attempts.map((a) => a.ms)) };
        log(`${report.name}, ${period.name}, ${timeZone}: p50 ${ms(cell.p50)}, p99 ${ms(cell.p99)} (${cell.n})`);
        cells.push(cell);
      }
    }
  }
  return cells;
}

async function tableSizes(system) {
  const { rows } = await withPg(system.databaseUrl, (db) =>
    db.query(
      `select c.relname as name, c.reltuples::bigint as rows, pg_total_relation_size(c.oid) as bytes,
         pg_relation_size(c.oid) as heap
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and c.relname in ('facts', 'event_log', 'sales_lines', 'fact_slots', 'activity_days')`,
      [SCHEMA],
    ),
  );
  const { rows: indexes } = await withPg(system.databaseUrl, (db) =>
    db.query(
      `select indexrelname as name, pg_relation_size(indexrelid) as bytes from pg_stat_user_indexes
       where schemaname = $1 and relname = 'facts' order by 1`,
      [SCHEMA],
    ),
  );
  return { tables: rows, indexes };
}

function stats(values) {
  const ascending = [...values].sort((a, b) => a - b);
  return {
    n: ascending.length,
    p50: percentile(ascending, 50),
    p95: percentile(ascending, 95),
    p99: percentile(ascending, 99),
    max: ascending.at(-1) ?? NaN,
  };
}

function countBy(names) {
  const counts = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

function ms(v) {
  return Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ms` : 'n/a';
}
function failuresOf(cell) {
  const entries = Object.entries(cell.failures);
  return entries.length ? entries.map(([code, n]) => `${n} × ${code}`).join(', ') : '0';
}

/** CPU milliseconds per delivery handled after analytics was ready. */
function perDelivery(run, seconds) {
  return `${((seconds * 1000) / run.measuredDeliveries).toFixed(2)} ms`;
}

function int(v) {
  return Math.round(v).toLocaleString('en-US');
}
function mib(bytes) {
  return `${(Number(bytes) / 1024 / 1024).toFixed(0)} MiB`;
}

function render({ projection, copyChecked, year, checked, latency, sizes, wallSeconds }) {
  const loads = (list) => list.map((l) => l.toFixed(2)).join(' / ');
  const [empty] = projection;
  const perDay = Math.round(year.events / options.days);
  return [
    '# Analytics benchmark',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC with \`npm run bench:analytics\` on ` +
      `${cpus().length} × ${cpuModel()}, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; ` +
      `load average (1 / 5 / 15 min) before ${loads(loadBefore)}, after ${loads(loadavg())}; ` +
      `${Math.round(wallSeconds)} s in all.`,
    '',
    '**System under test.** Two processes as production runs them (NODE_ENV=production, LOG_LEVEL=warn): ' +
      '`subgraphs/analytics/dist/main.js` and `gateway/dist/main.js` with `SUBGRAPH_URLS` naming analytics ' +
      'only, after `launcher/dist/migrate.js`, on the machine’s PostgreSQL 15 (a database of its own) and NATS ' +
      'JetStream (a namespace of its own). No other subgraph runs, so nothing else consumes the published ' +
      'events: the figures are one analytics consumer’s, with its defaults (`EVENT_CONCURRENCY` 8 events at ' +
      'once per event name). The bench (publisher, loader and client) is a third process on ' +
      `the same ${cpus().length} cores, as are PostgreSQL and NATS.`,
    '',
    '## Projection throughput',
    '',
    `${int(options.events)} events in the year’s mix (below), with the payloads their publishers send, plus ` +
      `${options.duplicatesPercent}% of them a second time under another NATS message id (a republished ` +
      'event JetStream cannot drop as a duplicate), published while analytics was stopped; then analytics ' +
      'started and drained them. Each event is one transaction: its inbox row (a second copy stops there), its ' +
      'log row and its facts (a session refresh moves its user’s first or last of the UTC day, or neither, and ' +
      'leaves the log unless a fact names it). “Events/s” counts distinct events from the first logged to the ' +
      'last (the log’s `received_at`); “drained” is from starting the process until every durable consumer had ' +
      'nothing pending or unacknowledged and every event but refreshes was in the log (so it includes start-up).',
    '',
    '| read models | events/s | deliveries/s (with copies) | first → last logged | start → drained | ' +
      'facts stored | dead letters | CPU: analytics / PostgreSQL per event |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...projection.map(
      (p) =>
        `| ${p.label} | **${int(p.events.length / p.spanSeconds)}** | ${int(p.deliveries / p.spanSeconds)} | ` +
        `${p.spanSeconds.toFixed(1)} s | ${p.drainedSeconds.toFixed(1)} s | ${int(p.facts)} for ` +
        `${int(p.events.length)} | ${p.deadLetters} | ${perDelivery(p, p.analyticsCpu)} / ` +
        `${perDelivery(p, p.postgresCpu)} |`,
    ),
    '',
    `Second copies (${empty.duplicates} per run) changed nothing: the first run’s facts and log are exactly what ` +
      'the projection makes of the distinct events (checked below). Mix: ' +
      `${Object.entries(empty.mix)
        .sort(([, a], [, b]) => b - a)
        .map(([name, n]) => `${name} ${int(n)}`)
        .join(', ')}.`,
    '',
    '## A year of data',
    '',
    `${int(options.users)} users over ${options.days} days ending yesterday (UTC): each signs up on a day of the ` +
      `year (evenly spread) and is active on ${USAGE.activeShare * 100}% of the days after; an active day has a ` +
      `sign-in (${USAGE.signInShare * 100}% of them), ${USAGE.refreshesPerDay} session refreshes, ` +
      `${USAGE.postsPerDay} posts, ${USAGE.messagesPerDay} ` +
      `messages and ${USAGE.ordersPerDay} orders on average (Poisson). ${USAGE.sellerShare * 100}% of users sell, ` +
      `orders go to them by a Zipf law; ${USAGE.failedPaymentShare * 100}% of payments fail, ` +
      `${USAGE.refundShare * 100}% of paid orders are refunded within ${USAGE.refundWithinDays} days, every paid ` +
      `order is paid out after ${USAGE.payoutAfterDays} days (and partly taken back when refunded later); 85% ` +
      'of orders in eur, 15% in usd. Each seller lists ' +
      `${USAGE.productsPerSeller} products (${USAGE.courseShare * 100}% of them courses) in a tree of ` +
      `${USAGE.categoryRoots} × ${USAGE.categoryChildren} categories on the first day; an order holds one of ` +
      `them, or two (${USAGE.twoLineShare * 100}%), the first ones of a seller most. Seeded, so every run loads ` +
      'the same shape of year.',
    '',
    `That is **${int(year.events)} events** (${int(perDay)} a day on average): ` +
      `${Object.entries(year.counts)
        .sort(([, a], [, b]) => b - a)
        .map(([name, n]) => `${name} ${int(n)}`)
        .join(', ')}.`,
    '',
    'Loaded by the bench straight into analytics’ tables, not through the bus: the log rows (the fields ' +
      `analytics keeps; ${int(year.logged)} rows, the refreshes no fact names left out) and the facts ` +
      `(${int(year.facts)}), as the projection makes them, in multi-row inserts ` +
      `(${LOAD_DAYS_PER_BATCH} days per statement, the log and the facts on two connections): ` +
      `${year.insertSeconds.toFixed(0)} s with the tables’ ${year.indexes} indexes dropped, ` +
      `${year.indexSeconds.toFixed(0)} s to build them again from their own definitions, then ` +
      `\`VACUUM ANALYZE\` (${(year.seconds - year.insertSeconds - year.indexSeconds).toFixed(0)} s). ` +
      `The copy of the projection used for it (analytics-data.js) was checked first against what the live ` +
      `projection stored for the ${int(copyChecked.events)} events of the first throughput run ` +
      `(${int(copyChecked.facts)} facts, ${int(copyChecked.logged)} log rows): every one equal. Through the ` +
      'projection at the rate above, the year would take ' +
      `${(year.events / (empty.events.length / empty.spanSeconds) / 60).toFixed(0)} minutes. The sales read ` +
      'models’ events (`marketplace.product.changed`, `learning.course.published`, and ' +
      '`marketplace.order.changed` with its lines when an order is paid or refunded in full), ' +
      `${int(year.bus.events)} of the year’s, went through the projection itself instead: published after the ` +
      `load, folded in ${year.bus.seconds.toFixed(0)} s (${int(year.bus.events / year.bus.seconds)} a second).`,
    '',
    'Checked after loading: platformReport over the year in UTC reports exactly the sign-ups, posts, messages, ' +
      `orders and failed payments loaded (${Object.entries(checked.figures)
        .map(([name, [reported]]) => `${name} ${int(reported)}`)
        .join(', ')}); ${int(checked.monthlyActiveUsers)} monthly active users at the end.`,
    '',
    `Sizes: ${sizes.tables
      .map((t) => `${t.name} ${int(Number(t.rows))} rows, ${mib(t.bytes)} with indexes (table ${mib(t.heap)})`)
      .join('; ')}; ` + `facts’ indexes: ${sizes.indexes.map((i) => `${i.name} ${mib(i.bytes)}`).join(', ')}.`,
    '',
    '## Report latency',
    '',
    'Through the gateway, with a bearer token (a seller’s own report; platformReport as an admin), every field ' +
      `of the report asked for; one request at a time, after ${WARM_UP_REQUESTS} warm-up requests per row ` +
      `(fewer once they have taken ${WARM_UP_MS / 1000} s), for up to ${options.cellSeconds} s or ` +
      `${options.samples} requests, at least ${MIN_SAMPLES} (with ${MIN_SAMPLES} the p99 is the slowest), ` +
      `or ${SLOW_MIN_SAMPLES} once a row has taken ${SLOW_CELL_MS / 1000} s. A failed request counts with the ` +
      'time it took. Periods: the year’s last day, the last whole calendar month, the whole year. The busiest ' +
      'seller has about 15% of all orders; the typical one is the median seller. Why platformReport takes ' +
      'what it reads: README, Benchmarks, Analytics.',
    '',
    '| report | period | time zone | requests | p50 | p95 | **p99** | max | failed | response |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...latency.map(
      (c) =>
        `| ${c.report} | ${c.period.name} (${c.period.from} – ${c.period.to}) | ${c.timeZone} | ${c.n} | ` +
        `${ms(c.p50)} | ${ms(c.p95)} | **${ms(c.p99)}** | ${ms(c.max)} | ${failuresOf(c)} | ` +
        `${c.bytes ? `${(c.bytes / 1024).toFixed(1)} KiB` : 'n/a'} |`,
    ),
    '',
  ].join('\n');
}
