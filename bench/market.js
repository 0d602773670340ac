/**
 * `npm run bench:market`: the marketplace under load, on the production layout (each process on
 * its own, on PostgreSQL, NATS JetStream and Redis; payments on the sandbox provider).
 *
 *   - Search: BENCH_PRODUCTS products (100,000) seeded in SQL; `products(filter, sort, first: 20)`
 *     through the gateway with a mix of word searches, category and price filters and sorts, on one
 *     connection and then on ten. Reported: p50/p99 and requests per second.
 *   - Checkout: buyers with one product in their cart each check out at fixed rates
 *     (BENCH_MARKET_RATES orders per second, each for BENCH_DURATION seconds, open loop). Reported:
 *     checkouts accepted per second, checkout p50/p99, and p50/p99 from the start of `checkout` to
 *     the order being PAID (the saga: marketplace → NATS → payments → NATS → marketplace).
 *
 * Users, products and carts are seeded straight into the databases and tokens signed with the
 * bench's key: neither registration nor listing is what is measured. Writes bench/MARKET-RESULTS.md.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { uuidv7 } from '@peerlink/platform/ids';
import { bearer, graphql } from './graphql.js';
import { cpuModel } from './proc.js';
import { runBench, withPg } from './stack.js';
import { mapLimit, percentile, positiveInteger, waitFor } from './util.js';

const RESULTS_FILE = fileURLToPath(new URL('./MARKET-RESULTS.md', import.meta.url));
const setting = (name, fallback) => positiveInteger('bench:market', name, fallback);
const options = {
  products: setting('BENCH_PRODUCTS', 100_000),
  searches: setting('BENCH_SEARCHES', 1_000),
  rates: (process.env.BENCH_MARKET_RATES ?? '50,100,200')
    .split(',')
    .map(Number)
    .filter((r) => r > 0),
  durationSeconds: setting('BENCH_DURATION', 10),
};
const log = (line) => console.error(`bench:market: ${line}`);

const WORDS = (
  'lamp desk chair table walnut oak brass copper steel glass ceramic linen wool leather cotton vintage modern ' +
  'classic compact portable wireless smart solar kitchen garden office travel outdoor camera phone laptop ' +
  'speaker headphones ' +
  'guide course ebook template poster print mug bowl vase rug blanket pillow shelf cabinet bicycle helmet watch'
).split(' ');
const CATEGORIES = [
  '01a20000-0000-7000-8000-000000000100',
  '01a20000-0000-7000-8000-000000000101',
  '01a20000-0000-7000-8000-000000000200',
  '01a20000-0000-7000-8000-000000000201',
  '01a20000-0000-7000-8000-000000000400',
  '01a20000-0000-7000-8000-000000000500',
];
const SEARCH = `query Search($filter: ProductFilter, $sort: ProductSort) {
  products(filter: $filter, sort: $sort, first: 20) { edges { node { id title price { amount currency } rating { average
    } } } pageInfo { endCursor } }
}`;
const CHECKOUT =
  'mutation Checkout($input: CheckoutInput!) { checkout(input: $input) { orders { id } changes { kind } } }';
const pick = (list) => list[Math.floor(Math.random() * list.length)];

const startedAt = Date.now();
await runBench('bench:market', RESULTS_FILE, async ({ start }) => {
  log('starting the stack (distributed; PostgreSQL, NATS JetStream, Redis)');
  const system = await start({ embedded: false, topology: 'distributed', env: { RATE_LIMIT_PER_MINUTE: '0' } });
  const sellers = await system.seedAccounts(100, { roles: ['USER', 'SELLER'] });
  await seedProducts(system, sellers);
  const search = await measureSearch(system, sellers[0]);
  const checkout = await measureCheckout(system);
  return render({ search, checkout, wallSeconds: (Date.now() - startedAt) / 1000 });
});

/** Products of three to six random words, spread over sellers and categories, all on sale. */
async function seedProducts(system, sellers) {
  log(`seeding ${options.products.toLocaleString('en-US')} products`);
  const batch = 5_000;
  await withPg(system.databaseUrl, async (db) => {
    for (let done = 0; done < options.products; done += batch) {
      const n = Math.min(batch, options.products - done);
      const rows = Array.from({ length: n }, () => {
        const words = Array.from({ length: 3 + Math.floor(Math.random() * 4) }, () => pick(WORDS));
        return [
          uuidv7(),
          pick(sellers).userId,
          words.slice(0, 3).join(' '),
          words.join(' '),
          100 + Math.floor(Math.random() * 50_000),
          pick(CATEGORIES),
          Math.random() < 0.7 ? 1 + Math.random() * 4 : null,
        ];
      });
      await db.query(
        `insert into marketplace.products (id, seller_id, title, description, kind, price_amount, currency, stock,
           status, category_id, rating_average, rating_count, created_at, updated_at)
         select id, seller, title, description, 'PHYSICAL', price, 'usd', 1000000, 'ACTIVE', category, rating, case when
           rating is null then 0 else 1 end, now(), now()
         from unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::int[], $6::uuid[], $7::real[]) as p(id, seller,
           title, description, price, category, rating)`,
        [0, 1, 2, 3, 4, 5, 6].map((column) => rows.map((row) => row[column])),
      );
    }
    await db.query('analyze marketplace.products');
  });
}

/** A realistic mix: a word or two, sometimes with a category or price band, in every sort. */
function randomSearch() {
  const filter = {
    search: Math.random() < 0.8 ? `${pick(WORDS)}${Math.random() < 0.5 ? ` ${pick(WORDS)}` : ''}` : null,
  };
  if (Math.random() < 0.3) filter.categoryId = pick(CATEGORIES);
  if (Math.random() < 0.3) Object.assign(filter, { minPrice: 1_000, maxPrice: 20_000 });
  return { filter, sort: pick(['RELEVANCE', 'RELEVANCE', 'NEWEST', 'PRICE_ASC', 'PRICE_DESC', 'RATING']) };
}

async function measureSearch(system, viewer) {
  const results = [];
  for (const connections of [1, 10]) {
    // Warm the gateway's plan cache and PostgreSQL's buffers first.
    await mapLimit(Array.from({ length: 50 }), connections, () =>
      graphql(system.url, SEARCH, randomSearch(), bearer(viewer.token)),
    );
    log(`${options.searches} searches on ${connections} connection(s)`);
    const latencies = [];
    /** By kind of search (words searched, and sort), to see which ones make the tail. */
    const byKind = new Map();
    const started = performance.now();
    await mapLimit(Array.from({ length: options.searches }), connections, async () => {
      const request = randomSearch();
      const at = performance.now();
      await graphql(system.url, SEARCH, request, bearer(viewer.token));
      const ms = performance.now() - at;
      latencies.push(ms);
      const kind =
        `${request.filter.search ? `${request.filter.search.split(' ').length} word(s)` : 'no words'}, ` +
        `${request.sort}`;
      byKind.set(kind, [...(byKind.get(kind) ?? []), ms]);
    });
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const kinds = [...byKind].map(([kind, list]) => {
      list.sort((a, b) => a - b);
      return { kind, count: list.length, p50: percentile(list, 50), p99: percentile(list, 99) };
    });
    kinds.sort((a, b) => b.p99 - a.p99);
    results.push({
      connections,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      perSecond: options.searches / seconds,
      kinds,
    });
  }
  return results;
}

/** Each rate's buyers are fresh, each with one product in the cart, so every checkout places one order. */
async function measureCheckout(system) {
  const results = [];
  for (const rate of options.rates) {
    const total = Math.round(rate * options.durationSeconds);
    log(`${rate} checkouts/s for ${options.durationSeconds} s (${total} buyers)`);
    const buyers = await system.seedAccounts(total);
    // One random product each, so checkouts contend for rows no more than real shoppers would.
    await withPg(system.databaseUrl, (db) =>
      db.query(
        `insert into marketplace.cart_items (buyer_id, product_id, quantity, seen_price_amount, seen_currency, added_at)
         select b.id, p.id, 1, p.price_amount, p.currency, now()
         from unnest($1::uuid[]) with ordinality as b(id, n)
         join (select id, price_amount, currency, row_number() over () as n from (select * from marketplace.products
           order by random() limit $2) r) p on p.n = b.n`,
        [buyers.map((b) => b.userId), total],
      ),
    );
    const cpuBefore = system.cpuSeconds();
    const postgresBefore = await system.postgresCpuSeconds();
    const sent = new Map();
    const run = { rate, accepted: 0, failed: 0, checkoutLatencies: [], failures: new Map() };
    const started = performance.now();
    const inFlight = [];
    for (let i = 0; i < total; i++) {
      const wait = started + (i * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const buyer = buyers[i];
      const at = Date.now();
      const t0 = performance.now();
      inFlight.push(
        graphql(
          system.url,
          CHECKOUT,
          {
            input: {
              idempotencyKey: randomUUID(),
              paymentMethodId: 'pm_card_visa',
              shippingAddress: { name: 'Bench', line1: '1 Road', city: 'Town', postalCode: '1000', country: 'DE' },
            },
          },
          bearer(buyer.token),
        ).then(
          (data) => {
            run.accepted++;
            run.checkoutLatencies.push(performance.now() - t0);
            for (const order of data.checkout.orders) sent.set(order.id, at);
          },
          (error) => {
            run.failed++;
            const reason = String(error.message ?? error).slice(0, 100);
            run.failures.set(reason, (run.failures.get(reason) ?? 0) + 1);
          },
        ),
      );
    }
    await Promise.all(inFlight);
    for (const [reason, count] of run.failures) log(`  ${count} checkouts failed: ${reason}`);
    const sendSeconds = (performance.now() - started) / 1000;
    // PAID is read from the order row's own clock; the bench and the stack share the machine's.
    const paid = await waitFor(
      'the orders to be paid',
      async () => {
        const { rows } = await withPg(system.databaseUrl, (db) =>
          db.query(
            `select id, extract(epoch from updated_at) * 1000 as paid_at from marketplace.orders where id = ` +
              `any($1::uuid[]) and status = 'PAID'`,
            [[...sent.keys()]],
          ),
        );
        return rows.length >= sent.size ? rows : null;
      },
      120_000,
      500,
    ).catch(() => []);
    const toPaid = paid.map((row) => Number(row.paid_at) - sent.get(row.id)).sort((a, b) => a - b);
    run.checkoutLatencies.sort((a, b) => a - b);
    results.push({
      rate,
      failed: run.failed,
      acceptedPerSecond: run.accepted / sendSeconds,
      checkoutP50: percentile(run.checkoutLatencies, 50),
      checkoutP99: percentile(run.checkoutLatencies, 99),
      orders: sent.size,
      paid: paid.length,
      paidP50: percentile(toPaid, 50),
      paidP99: percentile(toPaid, 99),
      cpu: system.cpuSince(cpuBefore),
      postgres: await system.postgresCpuSince(postgresBefore),
    });
  }
  return results;
}

function render({ search, checkout, wallSeconds }) {
  const ms = (v) =>
    Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ms` : 'n/a';
  const processes = Object.keys(checkout[0]?.cpu.byProcess ?? {});
  return [
    '# Marketplace benchmark',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpuModel()},
        ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; load average after ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' / ')}; ${Math.round(wallSeconds)} s in all.`,
    '',
    '**System under test.** The production layout: each subgraph in its own process and the gateway in ' +
      'another, on the machine’s PostgreSQL, NATS JetStream and Redis; payments on the sandbox provider. The ' +
      'load generator is one process on the same cores.',
    '',
    `**Search.** ${options.products.toLocaleString('en-US')} products of 3 to 6 words from a ` +
      `${WORDS.length}-word vocabulary, seeded in SQL. Each request is \`products(filter, sort, first: 20)\` ` +
      `through the gateway: 80% search one or two words, 30% add a category, 30% a price band; sorts mixed (a ` +
      `third by relevance). ${options.searches.toLocaleString('en-US')} requests per row after 50 to warm up.`,
    '',
    '| connections | p50 | p99 | requests/s | target |',
    '| --- | --- | --- | --- | --- |',
    ...search.map(
      (r) =>
        `| ${r.connections} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.perSecond.toFixed(0)} | ` +
        `${r.connections === 1 ? `p99 under 50 ms: ${r.p99 < 50 ? 'met' : '**missed**'}` : ''} |`,
    ),
    '',
    'On one connection, by kind of search (slowest p99 first):',
    '',
    '| words, sort | requests | p50 | p99 |',
    '| --- | --- | --- | --- |',
    ...(search[0]?.kinds ?? []).map((k) => `| ${k.kind} | ${k.count} | ${ms(k.p50)} | ${ms(k.p99)} |`),
    '',
    `**Checkout to PAID.** Buyers (fresh for each rate) with one product in the cart check out on a fixed ` +
      `schedule (open loop) for ${options.durationSeconds} s with \`pm_card_visa\`. "To PAID" runs from the ` +
      `start of \`checkout\` to the moment the order row became PAID: marketplace commits, its outbox ` +
      `publishes \`marketplace.order.placed\`, payments charges the sandbox and publishes ` +
      `\`payments.payment.succeeded\`, marketplace applies it.`,
    '',
    '| target rate | accepted | checkout p50 / p99 | orders paid | to PAID p50 | to PAID p99 | target |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...checkout.map(
      (r) =>
        `| ${r.rate}/s | ${r.acceptedPerSecond.toFixed(0)}/s (${r.failed} failed) | ${ms(r.checkoutP50)} / ` +
        `${ms(r.checkoutP99)} | ${r.paid.toLocaleString('en-US')} of ${r.orders.toLocaleString('en-US')} | ` +
        `${ms(r.paidP50)} | ${ms(r.paidP99)} | ` +
        `${checkoutVerdict(r)} ` +
        `|`,
    ),
    '',
    'CPU seconds per process during each checkout rate (2 cores: at most 2 CPU-seconds per second), from ' +
      '`/proc`: the stack’s processes, and PostgreSQL’s backends serving the bench’s database (NATS and the ' +
      'load generator not included). "Per order" divides both by the orders placed.',
    '',
    `| target rate | ${processes.join(' | ')} | all | PostgreSQL | per order: stack + PostgreSQL |`,
    `| --- | ${processes.map(() => '---').join(' | ')} | --- | --- | --- |`,
    ...checkout.map(
      (r) =>
        `| ${r.rate}/s | ${Object.values(r.cpu.byProcess)
          .map((s) => s.toFixed(1))
          .join(
            ' | ',
          )} | ${r.cpu.total.toFixed(1)} | ${r.postgres.toFixed(1)} | ${ms((r.cpu.total * 1000) / r.orders)} +
            ${ms((r.postgres * 1000) / r.orders)} |`,
    ),
    '',
  ].join('\n');
}

/** The checkout target's verdict, stated on the 200/s row only. */
function checkoutVerdict(r) {
  if (r.rate !== 200) return '';
  const met = r.acceptedPerSecond >= 190 && r.paid === r.orders && r.paidP99 < 500;
  return `200/s with p99 under 500 ms: ${met ? 'met' : '**missed**'}`;
}
