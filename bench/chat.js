/**
 * `npm run bench:chat`: chat and drive under load, on the production layout (each process on its
 * own, on PostgreSQL, NATS JetStream and Redis).
 *
 *   - Messages: BENCH_CHAT_GROUPS groups of BENCH_CHAT_MEMBERS members (200 × 10), every member on
 *     its own graphql-ws socket subscribed to `chatEvent`; members send at fixed rates
 *     (BENCH_CHAT_RATES messages per second, each for BENCH_DURATION seconds). Reported per rate:
 *     messages accepted per second; p50/p99 from the start of `sendMessage` to the moment each
 *     other member's socket has the message, and to the moment the last of them has it (the
 *     target's measure); how many deliveries came from the subscriber's own lookup and how many
 *     from one shared by the group; and CPU per message.
 *     BENCH_CHAT_FILES=0 measures messages only.
 *   - Files: upload (createUpload, PUT, completeUpload) and download of 1 MB and 100 MB files, on
 *     local disk through the gateway's /files, then on S3 (a local s3rver) with presigned URLs.
 *
 * Users and groups are seeded straight into the databases and access tokens signed with the
 * bench's key: registering 2,000 users through the API would spend minutes hashing passwords and
 * measure nothing about chat. Writes bench/CHAT-RESULTS.md.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { uuidv7 } from '@peerlink/platform/ids';
import { bearer, graphql } from './graphql.js';
import { cpuModel } from './proc.js';
import { runBench, withPg } from './stack.js';
import { mapLimit, percentile, positiveInteger, waitFor } from './util.js';

const RESULTS_FILE = fileURLToPath(new URL('./CHAT-RESULTS.md', import.meta.url));
const setting = (name, fallback) => positiveInteger('bench:chat', name, fallback);
const options = {
  groups: setting('BENCH_CHAT_GROUPS', 200),
  members: setting('BENCH_CHAT_MEMBERS', 10),
  rates: (process.env.BENCH_CHAT_RATES ?? '100,250,500')
    .split(',')
    .map(Number)
    .filter((r) => r > 0),
  durationSeconds: setting('BENCH_DURATION', 10),
  smallFiles: setting('BENCH_FILES_SMALL', 20),
  largeFileMiB: setting('BENCH_FILES_LARGE_MIB', 100),
  files: process.env.BENCH_CHAT_FILES !== '0',
};
const log = (line) => console.error(`bench:chat: ${line}`);
const SUBSCRIPTION = 'subscription { chatEvent { kind message { id body } } }';
const SEND = 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id } }';

const startedAt = Date.now();
await runBench('bench:chat', RESULTS_FILE, async ({ start }) => {
  log('starting the stack (distributed; PostgreSQL, NATS JetStream, Redis)');
  const system = await start({ embedded: false, topology: 'distributed', env: { RATE_LIMIT_PER_MINUTE: '0' } });
  const groups = await seedGroups(system);
  const messages = await measureMessages(system, groups);
  if (!options.files) {
    await system.stop();
    return render({ messages, localFiles: [], s3Files: [], wallSeconds: (Date.now() - startedAt) / 1000 });
  }
  log('files on local disk');
  const localFiles = await measureFiles(system, groups[0][0]);
  await system.stop();

  log('files on S3 (s3rver)');
  const s3 = await startS3rver();
  let s3Files = [];
  try {
    const s3System = await start({ embedded: false, topology: 'distributed', env: s3.env });
    const [owner] = await s3System.seedAccounts(1, { knownTo: ['chat', 'drive'] });
    s3Files = await measureFiles(s3System, owner);
    await s3System.stop();
  } finally {
    await s3.stop();
  }
  return render({ messages, localFiles, s3Files, wallSeconds: (Date.now() - startedAt) / 1000 });
});

/** Groups of members, each member in exactly one group. */
async function seedGroups(system) {
  log(`seeding ${options.groups} groups of ${options.members}`);
  const users = await system.seedAccounts(options.groups * options.members, { knownTo: ['chat', 'drive'] });
  const groups = Array.from({ length: options.groups }, (_, g) =>
    users.slice(g * options.members, (g + 1) * options.members),
  );
  await withPg(system.databaseUrl, async (db) => {
    for (const members of groups) {
      const id = uuidv7();
      members.conversationId = id;
      await db.query(
        `insert into chat.conversations (id, kind, title, created_at, last_activity_at) values ($1, 'GROUP', ` +
          `$2, now(), now())`,
        [id, `Group ${id.slice(-6)}`],
      );
      await db.query(
        `insert into chat.members (conversation_id, user_id, role, joined_at) select $1, user_id, case when n = 1 then
           'OWNER' else 'MEMBER' end, now()
         from unnest($2::uuid[]) with ordinality as m(user_id, n)`,
        [id, members.map((m) => m.userId)],
      );
    }
  });
  return groups;
}

/** Every member subscribed; then each rate in turn, open-loop, timed per delivery. */
async function measureMessages(system, groups) {
  const sent = new Map();
  const deliveries = [];
  const sockets = [];
  const everyone = groups.flat();
  log(`opening ${everyone.length} sockets`);
  await mapLimit(everyone, 100, async (member) => {
    const client = createClient({
      url: system.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${member.token}` },
      retryAttempts: 0,
    });
    sockets.push(client);
    await new Promise((resolve, reject) => {
      client.on('connected', resolve);
      client.on('error', reject);
      client.subscribe(
        { query: SUBSCRIPTION },
        {
          next: ({ data }) => {
            const event = data?.chatEvent;
            if (event?.kind !== 'MESSAGE_ADDED') return;
            const tag = event.message.body;
            const origin = sent.get(tag);
            if (origin && origin.senderId !== member.userId) {
              const ms = performance.now() - origin.at;
              deliveries.push({ tag, ms });
              origin.received += 1;
              origin.lastMs = Math.max(origin.lastMs, ms);
            }
          },
          error: () => {},
          complete: () => {},
        },
      );
    });
  });
  const baseline = everyone.length;
  await waitFor(
    'every subscription to be live',
    async () => ((await system.metrics()).peerlink_active_subscriptions ?? 0) >= baseline,
    120_000,
    250,
  );

  const results = [];
  for (const rate of options.rates) {
    log(`${rate} messages/s for ${options.durationSeconds} s`);
    deliveries.length = 0;
    const before = sent.size;
    const run = { rate, accepted: 0, failed: 0, failures: new Map() };
    const sendLatencies = [];
    const cpuBefore = system.cpuSeconds();
    const metricsBefore = await system.metrics();
    const total = Math.round(rate * options.durationSeconds);
    const started = performance.now();
    const inFlight = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const group = groups[Math.floor(Math.random() * groups.length)];
      const sender = group[Math.floor(Math.random() * group.length)];
      const tag = `m${rate}-${i}-${randomBytes(3).toString('hex')}`;
      const at = performance.now();
      sent.set(tag, { at, senderId: sender.userId, rate, received: 0, lastMs: 0 });
      inFlight.push(
        graphql(
          system.url,
          SEND,
          { input: { conversationId: group.conversationId, body: tag } },
          bearer(sender.token),
        ).then(
          () => {
            run.accepted++;
            sendLatencies.push(performance.now() - at);
          },
          (error) => {
            run.failed++;
            const reason = String(error.message ?? error).slice(0, 80);
            run.failures.set(reason, (run.failures.get(reason) ?? 0) + 1);
          },
        ),
      );
    }
    await Promise.all(inFlight);
    const sendSeconds = (performance.now() - started) / 1000;
    const expected = (sent.size - before) * (options.members - 1);
    await waitFor('the deliveries to settle', () => deliveries.length >= expected, 60_000, 200).catch(() => null);
    const cpu = system.cpuSince(cpuBefore);
    const metrics = await system.metrics();
    const grew = (series) => (metrics[series] ?? 0) - (metricsBefore[series] ?? 0);
    // Per message, until the last of the other members had it; a message someone never got counts as not delivered.
    const toEveryone = [...sent.values()]
      .filter((m) => m.rate === rate && m.received >= options.members - 1)
      .map((m) => m.lastMs)
      .sort((a, b) => a - b);
    for (const [reason, count] of run.failures) log(`  ${count} sends failed: ${reason}`);
    const latencies = deliveries.map((d) => d.ms).sort((a, b) => a - b);
    sendLatencies.sort((a, b) => a - b);
    results.push({
      ...run,
      cpu,
      sendP50: percentile(sendLatencies, 50),
      sendP99: percentile(sendLatencies, 99),
      acceptedPerSecond: run.accepted / sendSeconds,
      expected,
      delivered: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      messagesToEveryone: toEveryone.length,
      everyoneP50: percentile(toEveryone, 50),
      everyoneP99: percentile(toEveryone, 99),
      ownLookups: grew('peerlink_live_deliveries_total{resolved="own"}'),
      sharedLookups: grew('peerlink_live_deliveries_total{resolved="shared"}'),
      lookups: grew('peerlink_live_lookups_per_event_sum'),
      events: grew('peerlink_live_lookups_per_event_count'),
    });
  }
  await Promise.all(sockets.map((s) => s.dispose()));
  return results;
}

/** Upload and download through the public flow: ticket, PUT, complete, signed GET. */
async function measureFiles(system, owner) {
  const sizes = [
    { label: '1 MB', bytes: 1024 * 1024, count: options.smallFiles },
    { label: `${options.largeFileMiB} MB`, bytes: options.largeFileMiB * 1024 * 1024, count: 1 },
  ];
  const results = [];
  for (const { label, bytes, count } of sizes) {
    const body = randomBytes(bytes);
    const checksum = createHash('sha256').update(body).digest('hex');
    let uploadMs = 0;
    let downloadMs = 0;
    for (let i = 0; i < count; i++) {
      let started = performance.now();
      const { createUpload: ticket } = await graphql(
        system.url,
        'mutation Up($input: CreateUploadInput!) { createUpload(input: $input) { uploadId uploadUrl headers ' +
          '{ name value } } }',
        { input: { name: `bench-${i}.bin`, mimeType: 'application/octet-stream', size: bytes, checksum } },
        bearer(owner.token),
      );
      const put = await fetch(ticket.uploadUrl, {
        method: 'PUT',
        headers: Object.fromEntries(ticket.headers.map((h) => [h.name, h.value])),
        body,
        duplex: 'half',
      });
      if (!put.ok) throw new Error(`PUT answered ${put.status}`);
      const { completeUpload } = await graphql(
        system.url,
        'mutation Done($id: ID!) { completeUpload(uploadId: $id) { downloadUrl } }',
        { id: ticket.uploadId },
        bearer(owner.token),
      );
      uploadMs += performance.now() - started;
      started = performance.now();
      const got = Buffer.from(await (await fetch(completeUpload.downloadUrl)).arrayBuffer());
      downloadMs += performance.now() - started;
      if (got.length !== bytes) throw new Error(`downloaded ${got.length} of ${bytes} bytes`);
    }
    const mib = (bytes * count) / 1024 / 1024;
    results.push({
      label,
      count,
      uploadMiBps: mib / (uploadMs / 1000),
      downloadMiBps: mib / (downloadMs / 1000),
      uploadMsEach: uploadMs / count,
      downloadMsEach: downloadMs / count,
    });
  }
  return results;
}

async function startS3rver() {
  const S3rver = createRequire(import.meta.url)('s3rver');
  const directory = await mkdtemp(join(tmpdir(), 'peerlink-bench-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true, resetOnClose: true });
  const { port } = await server.run();
  return {
    env: {
      S3_ENDPOINT: `http://127.0.0.1:${port}`,
      S3_BUCKET: 'peerlink-bench',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
    },
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function render({ messages, localFiles, s3Files, wallSeconds }) {
  const ms = (v) =>
    Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ms` : 'n/a';
  const fileRows = (adapter, rows) =>
    rows.map(
      (r) =>
        `| ${adapter} | ${r.label} × ${r.count} | ${r.uploadMiBps.toFixed(1)} MiB/s (${ms(r.uploadMsEach)} ` +
        `each) | ${r.downloadMiBps.toFixed(1)} MiB/s (${ms(r.downloadMsEach)} each) |`,
    );
  return [
    '# Chat and drive benchmark',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpuModel()},
        ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; load average after ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' / ')}; ${Math.round(wallSeconds)} s in all.`,
    '',
    '**System under test.** The production layout: `launcher/dist/migrate.js`, then each subgraph in its own ' +
      'process and the gateway in another, on the machine’s PostgreSQL, NATS JetStream and Redis. The load ' +
      'generator (HTTP sends and every WebSocket client) is one process on the same cores.',
    '',
    `**Messages.** ${options.groups} groups of ${options.members} members, seeded in SQL; every member on ` +
      `its own graphql-ws socket subscribed to \`chatEvent { kind message { id body } }\`. At each rate, ` +
      `members picked at random send \`sendMessage\` through the gateway on a fixed schedule (open loop) for ` +
      `${options.durationSeconds} s. Latency runs from the start of the send to the moment each of the other ` +
      `${options.members - 1} members’ sockets has the message (per delivery), and to the moment the last of ` +
      `them has it (per message: the target's measure).`,
    '',
    '| target rate | accepted | `sendMessage` p50 / p99 | deliveries | per delivery p50 / p99 | to every ' +
      'member p50 / p99 | deliveries by own / shared lookup | target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...messages.map(
      (r) =>
        `| ${r.rate} msg/s | ${r.acceptedPerSecond.toFixed(0)} msg/s (${r.failed} failed) | ${ms(r.sendP50)} ` +
        `/ ${ms(r.sendP99)} | ${r.delivered.toLocaleString('en-US')} of ` +
        `${r.expected.toLocaleString('en-US')} | ${ms(r.p50)} / ${ms(r.p99)} | ${ms(r.everyoneP50)} / ` +
        `${ms(r.everyoneP99)} (${r.messagesToEveryone.toLocaleString('en-US')} messages) | ` +
        `${r.ownLookups.toLocaleString('en-US')} / ${r.sharedLookups.toLocaleString('en-US')} ` +
        `(${r.lookups.toLocaleString('en-US')} lookups for ${r.events.toLocaleString('en-US')} events) | ` +
        `${deliveryVerdict(r)} ` +
        `|`,
    ),
    '',
    'Where the CPU went, in seconds, from the first send of a rate until its deliveries settled (2 cores: at ' +
      'most 2 CPU-seconds per second), and per message stored (its live event reached the gateway):',
    '',
    `| target rate | ${Object.keys(messages[0]?.cpu.byProcess ?? {}).join(' | ')} | all | per message: chat ` +
      `/ gateway / all |`,
    `| --- | ${Object.keys(messages[0]?.cpu.byProcess ?? {})
      .map(() => '---')
      .join(' | ')} | --- | --- |`,
    ...messages.map((r) => {
      // Per message stored: a send the gateway gave up on may still have been stored and delivered.
      const perMessage = (seconds) => ms((seconds * 1000) / Math.max(1, r.events, r.accepted));
      return `| ${r.rate} msg/s | ${Object.values(r.cpu.byProcess)
        .map((s) => s.toFixed(1))
        .join(
          ' | ',
        )} | ${r.cpu.total.toFixed(1)} | ${perMessage(r.cpu.byProcess.chat ?? NaN)} / ${perMessage(r.cpu.gateway)} /
          ${perMessage(r.cpu.total)} |`;
    }),
    '',
    ...(options.files
      ? [
          '**Files.** Through the public flow: `createUpload`, PUT to the signed URL, `completeUpload` ' +
            '(which reads the bytes back for their SHA-256), then a GET of the signed download URL. Local disk ' +
            'goes through the gateway’s `/files` passthrough to drive; S3 (a local s3rver, which keeps objects ' +
            'on disk) gets presigned URLs straight to the server.',
          '',
          '| storage | files | upload (whole flow) | download |',
          '| --- | --- | --- | --- |',
          ...fileRows('local disk', localFiles),
          ...fileRows('S3 (s3rver)', s3Files),
          '',
        ]
      : ['Files were not measured in this run (`BENCH_CHAT_FILES=0`).', '']),
  ].join('\n');
}

/** The delivery target's verdict, stated on the 500 msg/s row only. */
function deliveryVerdict(r) {
  if (r.rate !== 500) return '';
  const met = r.everyoneP99 < 100 && r.delivered === r.expected && !r.failed;
  return `p99 to every member under 100 ms: ${met ? 'met' : '**missed**'}`;
}
