/**
 * `npm run bench:resume`: what a gateway restart costs live subscribers. On the production layout
 * (each process on its own, on PostgreSQL, NATS JetStream and Redis), BENCH_RESUME_GROUPS chat
 * groups (20) of BENCH_RESUME_MEMBERS (10): one member of each sends, the others are subscribed to
 * `chatEvent` on graphql-ws clients that reconnect by themselves (after 200 to 500 ms). Messages
 * go at BENCH_RESUME_RATE per second (40) for BENCH_DURATION seconds (12), straight to the chat
 * subgraph (as through another gateway replica); after a third of that the gateway is killed
 * (SIGKILL) and started again on its port. Two rounds: clients that resume from the cursor of the
 * last result they saw, and clients that subscribe afresh. Reported per round: messages lost and
 * repeated, and how long after the gateway was back each subscriber had everything sent before.
 * Writes bench/RESUME-RESULTS.md.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { uuidv7 } from '@peerlink/platform/ids';
import { graphql } from './graphql.js';
import { cpuModel } from './proc.js';
import { runBench, withPg } from './stack.js';
import { percentile, positiveInteger, sleep, waitFor } from './util.js';

const RESULTS_FILE = fileURLToPath(new URL('./RESUME-RESULTS.md', import.meta.url));
const setting = (name, fallback) => positiveInteger('bench:resume', name, fallback);
const options = {
  groups: setting('BENCH_RESUME_GROUPS', 20),
  members: setting('BENCH_RESUME_MEMBERS', 10),
  rate: setting('BENCH_RESUME_RATE', 40),
  durationSeconds: setting('BENCH_DURATION', 12),
};
const log = (line) => console.error(`bench:resume: ${line}`);
const SUBSCRIPTION = 'subscription Chat { chatEvent { kind message { body } } }';
const SEND = 'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id } }';

await runBench('bench:resume', RESULTS_FILE, async ({ start }) => {
  log('starting the stack (distributed; PostgreSQL, NATS JetStream, Redis)');
  const system = await start({ embedded: false, topology: 'distributed', env: { RATE_LIMIT_PER_MINUTE: '0' } });
  const rounds = [];
  for (const resume of [true, false]) {
    const groups = await seedGroups(system);
    rounds.push(await round(system, groups, resume));
  }
  return render(rounds);
});

async function seedGroups(system) {
  const users = await system.seedAccounts(options.groups * options.members, { knownTo: ['chat'] });
  const groups = Array.from({ length: options.groups }, (_, g) =>
    users.slice(g * options.members, (g + 1) * options.members),
  );
  await withPg(system.databaseUrl, async (db) => {
    for (const members of groups) {
      members.conversationId = uuidv7();
      await db.query(
        `insert into chat.conversations (id, kind, title, created_at, last_activity_at) values ($1, 'GROUP', ` +
          `'Bench', now(), now())`,
        [members.conversationId],
      );
      await db.query(
        `insert into chat.members (conversation_id, user_id, role, joined_at) select $1, user_id, case when n = 1 then
           'OWNER' else 'MEMBER' end, now()
         from unnest($2::uuid[]) with ordinality as m(user_id, n)`,
        [members.conversationId, members.map((m) => m.userId)],
      );
    }
  });
  return groups;
}

/** One subscriber: what it received (tag to arrival time) and how often it got each again. */
function subscribe(system, member, resume) {
  const received = new Map();
  let repeats = 0;
  const client = createClient({
    url: system.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${member.token}` },
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: () => sleep(200 + Math.random() * 300),
  });
  // The standard client sends this same object again on every reconnect: the cursor kept in it is the resume.
  const payload = { query: SUBSCRIPTION, extensions: { live: {} } };
  client.subscribe(payload, {
    next: (result) => {
      if (resume && result.extensions?.live?.cursor) payload.extensions.live.resumeFrom = result.extensions.live.cursor;
      const tag = result.data?.chatEvent?.message?.body;
      if (!tag) return;
      if (received.has(tag)) repeats += 1;
      else received.set(tag, performance.now());
    },
    error: (error) => log(`a subscription failed: ${JSON.stringify(error).slice(0, 300)}`),
    complete: () => {},
  });
  return { member, received, repeats: () => repeats, dispose: () => client.dispose() };
}

async function round(system, groups, resume) {
  const label = resume ? 'resuming from the last cursor' : 'subscribing afresh';
  log(`round: ${label}`);
  const subscribers = groups.flatMap((members) =>
    members.slice(1).map((member) => ({ ...subscribe(system, member, resume), group: members })),
  );
  // Each group's sender says hello until every member has heard one: then every subscription is live.
  let hello = 0;
  const heardHello = (s) => [...s.received.keys()].some((tag) => tag.startsWith('hello'));
  await waitFor(
    'every subscription to be live',
    async () => {
      if (subscribers.every(heardHello)) return true;
      await Promise.all(groups.map((members) => send(system, members, `hello ${hello++}`)));
      await sleep(1000);
      const live = subscribers.filter(heardHello).length;
      if (live < subscribers.length) log(`${live} of ${subscribers.length} subscribers heard a hello`);
      return live === subscribers.length;
    },
    120_000,
    0,
  );
  log(`${subscribers.length} subscribers live`);

  const sent = []; // { tag, group, at }
  const sends = [];
  let unsent = 0;
  const total = options.rate * options.durationSeconds;
  const startedAt = performance.now();
  let killedAt = 0;
  let backAt = 0;
  const restart = (async () => {
    await sleep((options.durationSeconds * 1000) / 3);
    killedAt = performance.now();
    await restartGateway(system);
    backAt = performance.now();
  })();
  for (let i = 0; i < total; i++) {
    const due = startedAt + (i * 1000) / options.rate;
    if (due > performance.now()) await sleep(due - performance.now());
    const members = groups[i % groups.length];
    const tag = `${resume ? 'r' : 'f'}${i}`;
    // A send the subgraph refused (the machine is busy) is not expected anywhere: counted apart.
    sends.push(
      send(system, members, tag).then(
        () => sent.push({ tag, group: members, at: performance.now() }),
        () => (unsent += 1),
      ),
    );
  }
  await Promise.all(sends);
  await restart;

  // Settled once nothing new arrives for 3 s (or after 60 s).
  const expected = subscribers.reduce((n, s) => n + sent.filter((m) => m.group === s.group).length, 0);
  const count = () => subscribers.reduce((n, s) => n + sent.filter((m) => s.received.has(m.tag)).length, 0);
  let last = -1;
  let quietSince = performance.now();
  await waitFor(
    'deliveries to settle',
    () => {
      const now = count();
      if (now !== last) [last, quietSince] = [now, performance.now()];
      return now === expected || performance.now() - quietSince > 3000;
    },
    60_000,
    100,
  );
  const delivered = count();
  const caughtUp = subscribers
    .map((s) => {
      const before = sent.filter((m) => m.group === s.group && m.at < backAt);
      if (!before.every((m) => s.received.has(m.tag))) return Infinity;
      return Math.max(0, ...before.map((m) => s.received.get(m.tag) - backAt));
    })
    .sort((a, b) => a - b);
  const repeats = subscribers.reduce((n, s) => n + s.repeats(), 0);
  for (const s of subscribers) s.dispose();
  const result = {
    label,
    subscribers: subscribers.length,
    messages: sent.length,
    unsent,
    expected,
    delivered,
    repeats,
    downMs: backAt - killedAt,
    caughtUp,
  };
  log(
    `${label}: ${expected - delivered} of ${expected} deliveries lost, ${repeats} repeated, gateway down ` +
      `${result.downMs.toFixed(0)} ms`,
  );
  return result;
}

/** Sent straight to the chat subgraph, as the sender's gateway replica would while this one restarts. */
async function send(system, members, body) {
  const [sender] = members;
  const headers = await system.internalHeader(
    { userId: sender.userId, sessionId: randomUUID(), roles: ['USER'] },
    'chat',
  );
  await graphql(system.subgraphs.chat, SEND, { input: { conversationId: members.conversationId, body } }, headers);
}

async function restartGateway(system) {
  const old = system.gatewayProcess;
  old.kill();
  await old.exited;
  system.processes = system.processes.filter((p) => p !== old);
  const gateway = system.spawn('gateway', 'gateway/dist/main.js', {
    SERVICE: 'gateway',
    PORT: String(system.port),
    SUBGRAPH_URLS: Object.entries(system.subgraphs)
      .map(([name, url]) => `${name}=${url}`)
      .join(','),
  });
  await gateway.ready(system.url.replace(/\/graphql$/, '/readyz'));
}

function render(rounds) {
  const ms = (value) => (Number.isFinite(value) ? `${Math.round(value)} ms` : 'never');
  const rows = rounds.map((r) => {
    const lost = r.expected - r.delivered;
    return (
      `| ${r.label} | ${r.subscribers} | ${r.messages}${r.unsent ? ` (+${r.unsent} refused)` : ''} | ${lost} ` +
      `of ${r.expected} (${((100 * lost) / r.expected).toFixed(1)}%) | ${r.repeats} | ${ms(r.downMs)} | ` +
      `${ms(percentile(r.caughtUp, 50))} | ${ms(percentile(r.caughtUp, 99))} |`
    );
  });
  return [
    '# Resuming after a gateway restart',
    '',
    `Run ${new Date().toISOString()} on ${cpuModel()} (${cpus().length} cores, load ` +
      `${loadavg()[0].toFixed(1)} at the end), distributed layout on PostgreSQL, NATS JetStream and Redis.`,
    `${options.groups} chat groups of ${options.members}, ${options.members - 1} subscribers each; ` +
      `${options.rate} messages/s for ${options.durationSeconds} s sent to the chat subgraph; the gateway ` +
      `killed (SIGKILL) after ${(options.durationSeconds / 3).toFixed(0)} s and started again on its port. ` +
      `Clients reconnect after 200 to 500 ms.`,
    '',
    '| clients | subscribers | messages | deliveries lost | repeated | gateway down | everything sent before ' +
      'it was back, p50 | p99 |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    '"Everything sent before it was back": per subscriber, from the restarted gateway answering /readyz to ' +
      'the arrival of the last message sent before then ("never" when some never came).',
    '',
  ].join('\n');
}
