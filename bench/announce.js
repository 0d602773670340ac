/**
 * `npm run bench:announce`: what one announcement costs before its first delivery. Seeds
 * ANNOUNCE_BENCH_RECIPIENTS (2000) accounts straight into identity's table and notifications'
 * recipients (registering them would spend minutes hashing passwords), then, on the production
 * layout (each process on its own, on PostgreSQL, NATS and Redis), sends ANNOUNCE_BENCH_ROUNDS (5)
 * announcements one after another and times each `sendAnnouncement` (every notification and outbox
 * row written and committed) and until the outbox is empty (every event handed to JetStream).
 * Nobody is subscribed: delivery is what the fan-out bench measures.
 */
import { performance } from 'node:perf_hooks';
import { bearer, graphql } from './graphql.js';
import { SystemUnderTest, withPg } from './stack.js';
import { percentile, positiveInteger, waitFor } from './util.js';

const setting = (name, fallback) => positiveInteger('bench:announce', name, fallback);
const recipients = setting('ANNOUNCE_BENCH_RECIPIENTS', 2000);
const rounds = setting('ANNOUNCE_BENCH_ROUNDS', 5);
const log = (line) => console.error(`bench:announce: ${line}`);

const system = new SystemUnderTest({ embedded: false, topology: 'distributed' });
process.on('exit', () => system.killNow());
try {
  await system.start();
  const [admin, ...users] = await system.seedAccounts(recipients + 1, { roles: ['USER', 'ADMIN'] });
  await withPg(system.databaseUrl, (db) =>
    db.query(
      `insert into notifications.recipients (user_id, display_name, email, last_event_id)
       select id, 'Bench user', replace(id::text, '-', '') || '@bench.example', gen_random_uuid() from
         unnest($1::uuid[]) as u(id)`,
      [[admin.userId, ...users.map((u) => u.userId)]],
    ),
  );
  const written = [];
  const relayed = [];
  for (let round = 1; round <= rounds; round++) {
    const started = performance.now();
    const { sendAnnouncement } = await graphql(
      system.url,
      'mutation ($title: String!) { sendAnnouncement(title: $title, body: "Back in an hour.") }',
      { title: `Bench announcement ${round}` },
      bearer(admin.token),
    );
    written.push(performance.now() - started);
    if (sendAnnouncement !== recipients + 1)
      throw new Error(`announced to ${sendAnnouncement}, expected ${recipients + 1}`);
    await waitFor(
      'the outbox to be empty',
      () =>
        withPg(
          system.databaseUrl,
          async (db) => (await db.query('select 1 from notifications.outbox limit 1')).rowCount === 0,
        ),
      60_000,
      20,
    );
    relayed.push(performance.now() - started);
    log(`round ${round}: written ${written.at(-1).toFixed(0)} ms, relayed ${relayed.at(-1).toFixed(0)} ms`);
  }
  const median = (values) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    ).toFixed(0);
  console.log(
    `announcement to ${recipients + 1} recipients, median of ${rounds}: sendAnnouncement ${median(written)} ` +
      `ms, outbox empty ${median(relayed)} ms`,
  );
} finally {
  await system.stop();
}
