/**
 * `npm run bench:assistant`: the assistant's streamed replies through the gateway, on the production
 * layout (each process on its own, on PostgreSQL, NATS JetStream and Redis; BENCH_TOPOLOGY=single runs
 * them in one process). The provider is a fake OpenAI-compatible server in this process
 * (fake-openai-server.js), reached by the assistant's real @langchain/openai client
 * (ASSISTANT_PROVIDER=openai); it streams BENCH_ASSISTANT_TOKENS (50) words, one per chunk, every
 * BENCH_ASSISTANT_TOKEN_MS (20) ms, and notes when each request arrived and each chunk was written. The
 * clients run in the same process, so client and provider times are read from one clock.
 *
 *   - Added latency: one user, BENCH_ASSISTANT_SAMPLES (20) questions one at a time, each in a thread
 *     whose `assistantReply(current: true)` is already followed (a warm-up question made the thread), so
 *     every delta can be seen. First token: from sending `askAssistant` to the first DELTA, against the
 *     provider's own (request arrived to first content chunk written). Per token: the gaps between
 *     consecutive DELTAs against the provider's gaps between chunks, and each chunk's way from the
 *     provider's socket to the client.
 *   - Concurrency: BENCH_ASSISTANT_REPLIES (200) users, each on a graphql-ws socket opened beforehand, ask
 *     once at the same moment and follow their new thread with `current: true` as soon as `askAssistant`
 *     answers, as a client must. Reported: how many replies complete and how long all take, first token
 *     p50/p95/p99, deltas lost, repeated, out of order or after COMPLETE, the text each client built
 *     against the stored message, and CPU seconds per process.
 *
 * Accounts are seeded in SQL with tokens signed by the bench's key; the per-user limits
 * (ASSISTANT_REQUESTS_PER_WINDOW, ASSISTANT_TOKENS_PER_WINDOW) are raised so the samples are never
 * refused. Runs the built dist (`npx turbo build` first) in about 1.5 to 2 minutes on 2 cores. Writes
 * bench/ASSISTANT-RESULTS.md.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { lastUserText, startFakeOpenAI } from './fake-openai-server.js';
import { bearer, graphql } from './graphql.js';
import { cpuModel } from './proc.js';
import { runBench, TOPOLOGIES } from './stack.js';
import { mapLimit, percentile, positiveInteger, sleep, waitFor } from './util.js';

const RESULTS_FILE = fileURLToPath(new URL('./ASSISTANT-RESULTS.md', import.meta.url));
const setting = (name, fallback) => positiveInteger('bench:assistant', name, fallback);
const options = {
  tokens: setting('BENCH_ASSISTANT_TOKENS', 50),
  tokenMs: setting('BENCH_ASSISTANT_TOKEN_MS', 20),
  samples: setting('BENCH_ASSISTANT_SAMPLES', 20),
  replies: setting('BENCH_ASSISTANT_REPLIES', 200),
  topology: process.env.BENCH_TOPOLOGY ?? 'distributed',
};
if (!TOPOLOGIES.includes(options.topology)) {
  console.error(`bench:assistant: BENCH_TOPOLOGY must be one of ${TOPOLOGIES.join(', ')}`);
  process.exit(2);
}
/** The assistant's own default (ASSISTANT_REPLY_DEADLINE_SECONDS): a reply not written by then ends FAILED. */
const REPLY_DEADLINE_SECONDS = 60;
/** How long the idle stack is watched before the first part. */
const IDLE_MS = 3000;
const log = (line) => console.error(`bench:assistant: ${line}`);

const ASK = 'mutation Ask($input: AskAssistantInput!) { askAssistant(input: $input) { id } }';
// Only fields a DELTA carries: a wider selection would receive no deltas at all.
const FOLLOW = `subscription Follow($threadId: ID!) {
  assistantReply(threadId: $threadId, current: true) { id kind threadId delta index message { id status } }
}`;
const STORED = `query Stored($id: ID!) {
  assistantThread(id: $id) { messages(first: 2) { edges { node { role content status } } } }
}`;

/** The provider's record of each measured question, by the tag the question carries. */
const provided = new Map();
const tagOf = (text) => /\[(q[0-9a-z-]+)\]/.exec(text)?.[1];
// Every word names its reply and place, so a delta in the wrong reply or place shows in the text.
const answerOf = (tag) => `${Array.from({ length: options.tokens }, (_, i) => `${tag}:${i}`).join(' ')}.`;

const startedAt = Date.now();
const loadBefore = loadavg();
await runBench('bench:assistant', RESULTS_FILE, async ({ start }) => {
  const apiKey = `sk-bench-${randomBytes(12).toString('hex')}`;
  const fake = await startFakeOpenAI({
    apiKey,
    // A measured question (it carries a tag) gets the long answer at the fixed rate; a warm-up one word at once.
    respond: (body) => {
      const tag = tagOf(lastUserText(body));
      return tag ? { content: answerOf(tag), tokenDelayMs: options.tokenMs } : { content: 'Ready.' };
    },
    onStreamed: (reply) => {
      const tag = tagOf(lastUserText(reply.body));
      if (tag) provided.set(tag, reply);
    },
  });
  try {
    log(`starting the stack (${options.topology}; PostgreSQL, NATS JetStream, Redis)`);
    const system = await start({
      embedded: false,
      topology: options.topology,
      env: {
        RATE_LIMIT_PER_MINUTE: '0',
        ASSISTANT_PROVIDER: 'openai',
        ASSISTANT_OPENAI_BASE_URL: fake.url,
        ASSISTANT_OPENAI_API_KEY: apiKey,
        ASSISTANT_MODEL: 'bench-model',
        ASSISTANT_REQUESTS_PER_WINDOW: '1000000',
        ASSISTANT_TOKENS_PER_WINDOW: '1000000000',
      },
    });
    const [asker] = await system.seedAccounts(1);
    const idle = await measureIdle(system);
    const latency = { ...(await measureAddedLatency(system, asker)), idle };
    const concurrent = await measureConcurrentReplies(system);
    return render({ latency, concurrent, wallSeconds: (Date.now() - startedAt) / 1000 });
  } finally {
    await fake.close();
  }
});

/** One graphql-ws socket signed in as `account`, connected before anything is timed. */
async function openSocket(system, account) {
  const client = createClient({
    url: system.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${account.token}` },
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {},
  });
  await new Promise((resolve, reject) => {
    client.on('connected', resolve);
    client.on('error', reject);
    client.on('closed', (event) => reject(new Error(`socket closed (${event?.code ?? 'no code'})`)));
  });
  return client;
}

/** Follows a thread's replies; every event is kept with the moment it arrived. */
function follow(client, threadId) {
  const followed = { events: [], errors: [], stop: () => {} };
  followed.stop = client.subscribe(
    { query: FOLLOW, variables: { threadId } },
    {
      next: ({ data, errors }) => {
        const at = performance.now();
        if (errors?.length) followed.errors.push(errorOf(JSON.stringify(errors)));
        const event = data?.assistantReply;
        if (event) followed.events.push({ at, ...event });
      },
      error: (error) => followed.errors.push(errorOf(error?.message ? error : JSON.stringify(error))),
      complete: () => {},
    },
  );
  return followed;
}

function ask(system, account, message, threadId) {
  return graphql(
    system.url,
    ASK,
    { input: { message, clientMessageId: randomBytes(8).toString('hex'), ...(threadId && { threadId }) } },
    bearer(account.token),
  );
}

/** The event that ends the reply `messageId`: COMPLETE, FAILED, or a CURRENT showing it already over. */
function endOf(events, messageId) {
  return events.find(
    (e) =>
      e.message.id === messageId &&
      (e.kind === 'COMPLETE' || e.kind === 'FAILED' || (e.kind === 'CURRENT' && e.message.status !== 'STREAMING')),
  );
}

/**
 * What each stack process spends doing nothing asked of it (background polls, keep-alives), per second,
 * to take out of the per-question CPU.
 */
async function measureIdle(system) {
  const before = system.cpuSeconds();
  const started = performance.now();
  await sleep(IDLE_MS);
  const { byProcess } = system.cpuSince(before);
  const seconds = (performance.now() - started) / 1000;
  return Object.fromEntries(Object.entries(byProcess).map(([name, cpu]) => [name, cpu / seconds]));
}

/** Questions one at a time, each in a thread already followed, so the first DELTA is seen as it leaves. */
async function measureAddedLatency(system, account) {
  log(`${options.samples} questions one at a time, ${options.tokens} tokens every ${options.tokenMs} ms`);
  const client = await openSocket(system, account);
  const samples = [];
  const cpuBefore = system.cpuSeconds();
  const partStarted = performance.now();
  try {
    for (let i = 0; i < options.samples; i++) {
      const { askAssistant: thread } = await ask(system, account, 'Are you there?');
      const followed = follow(client, thread.id);
      try {
        // The warm-up reply's end says the subscription is held and the thread free to ask in again.
        const warmUp = await waitFor(
          'the warm-up reply',
          () => {
            if (followed.errors.length) throw new Error(followed.errors[0]);
            const current = followed.events.find((e) => e.kind === 'CURRENT');
            return current && endOf(followed.events, current.message.id);
          },
          30_000,
          5,
        );
        const tag = `q${i}-${randomBytes(3).toString('hex')}`;
        const askedAt = performance.now();
        await ask(system, account, `Tell me a long story [${tag}]`, thread.id);
        const answeredAt = performance.now();
        const end = await waitFor(
          `the reply to ${tag}`,
          () => {
            if (followed.errors.length) throw new Error(followed.errors[0]);
            const reply = followed.events.find((e) => e.message.id !== warmUp.message.id);
            return reply && endOf(followed.events, reply.message.id);
          },
          REPLY_DEADLINE_SECONDS * 1000,
          5,
        );
        await waitFor(`the provider's record of ${tag}`, () => provided.has(tag), 5_000, 5);
        const deltas = followed.events.filter((e) => e.kind === 'DELTA' && e.message.id === end.message.id);
        samples.push({ tag, askedAt, answeredAt, end, deltas, provider: provided.get(tag) });
      } finally {
        followed.stop();
      }
    }
  } finally {
    await client.dispose();
  }
  const cpu = system.cpuSince(cpuBefore);
  return { ...summariseLatency(samples), cpu, seconds: (performance.now() - partStarted) / 1000 };
}

function summariseLatency(samples) {
  const clientFirst = [];
  const providerFirst = [];
  const beforeModel = [];
  const wayBack = [];
  const clientGaps = [];
  const providerGaps = [];
  const perToken = [];
  const askAnswered = [];
  const problems = [];
  for (const s of samples) {
    const { provider, deltas } = s;
    const written = provider.contentWrittenAt;
    askAnswered.push(s.answeredAt - s.askedAt);
    const text = deltas.map((d) => d.delta).join('');
    // Index-by-index pairing needs every chunk as one delta, in order: check before using it.
    const exact =
      s.end.kind === 'COMPLETE' &&
      deltas.length === written.length &&
      deltas.every((d, i) => d.index === i && d.delta === provider.contentChunks[i]);
    if (!exact) {
      problems.push(
        `${s.tag}: ${s.end.kind}, ${deltas.length} deltas for ${written.length} chunks, text ` +
          `${text === provider.contentChunks.join('') ? 'intact' : 'differs'}`,
      );
      continue;
    }
    clientFirst.push(deltas[0].at - s.askedAt);
    providerFirst.push(written[0] - provider.receivedAt);
    beforeModel.push(provider.receivedAt - s.askedAt);
    wayBack.push(deltas[0].at - written[0]);
    for (let i = 0; i < deltas.length; i++) {
      perToken.push(deltas[i].at - written[i]);
      if (i > 0) {
        clientGaps.push(deltas[i].at - deltas[i - 1].at);
        providerGaps.push(written[i] - written[i - 1]);
      }
    }
  }
  return {
    measured: clientFirst.length,
    problems,
    askAnswered: stats(askAnswered),
    clientFirst: stats(clientFirst),
    providerFirst: stats(providerFirst),
    addedFirst: stats(clientFirst.map((v, i) => v - providerFirst[i])),
    beforeModel: stats(beforeModel),
    wayBack: stats(wayBack),
    clientGaps: stats(clientGaps),
    providerGaps: stats(providerGaps),
    perToken: stats(perToken),
  };
}

/** Every user asks at once and follows its new thread as soon as `askAssistant` answers. */
async function measureConcurrentReplies(system) {
  log(`${options.replies} users: seeding, opening a socket each`);
  const users = await system.seedAccounts(options.replies);
  const clients = await mapLimit(users, 50, (user) => openSocket(system, user));
  const cpuBefore = system.cpuSeconds();
  const postgresBefore = await system.postgresCpuSeconds();
  const benchBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  log(`${options.replies} questions at once`);
  const started = performance.now();
  const replies = await Promise.all(
    users.map(async (user, i) => {
      const reply = { user, tag: `q${i}-${randomBytes(3).toString('hex')}`, askedAt: performance.now() };
      try {
        const { askAssistant } = await ask(system, user, `Tell me a long story [${reply.tag}]`);
        reply.answeredAt = performance.now();
        reply.threadId = askAssistant.id;
        reply.followed = follow(clients[i], askAssistant.id);
      } catch (error) {
        reply.askError = errorOf(error);
      }
      return reply;
    }),
  );
  const following = replies.filter((r) => r.followed);
  const ended = (r) => r.followed.errors.length > 0 || endOf(r.followed.events, r.followed.events[0]?.message.id);
  await waitFor('every reply to end', () => following.every(ended), (REPLY_DEADLINE_SECONDS + 15) * 1000, 50).catch(
    () => log('not every reply ended in time'),
  );
  const allEndedAt = performance.now();
  // Deltas are signals, in no promised order with the stored COMPLETE: give late ones a moment to show.
  await sleep(1000);
  const cpu = system.cpuSince(cpuBefore);
  const postgresSeconds = await system.postgresCpuSince(postgresBefore);
  const bench = process.cpuUsage(benchBefore);
  const machineSeconds = machineBusySeconds() - machineBefore;
  for (const r of following) r.followed.stop();
  await Promise.all(clients.map((c) => c.dispose()));

  log('reading the stored replies');
  await mapLimit(following, 20, async (r) => {
    const { assistantThread } = await graphql(system.url, STORED, { id: r.threadId }, bearer(r.user.token));
    r.stored = assistantThread.messages.edges.map((edge) => edge.node).find((m) => m.role === 'ASSISTANT');
  });
  // The gateway gave up on these asks; whether the assistant stored them (and answered) anyway.
  const refused = replies.filter((r) => r.askError);
  await mapLimit(refused, 20, async (r) => {
    const { assistantThreads } = await graphql(
      system.url,
      'query Mine { assistantThreads(first: 1) { edges { node { id messages(first: 2) { edges { node { role status ' +
        'content } } } } } } }',
      {},
      bearer(r.user.token),
    );
    const messages = assistantThreads?.edges[0]?.node.messages.edges.map((edge) => edge.node) ?? [];
    r.storedAnyway = messages.find((m) => m.role === 'ASSISTANT')?.status ?? null;
  });
  return summariseConcurrent(replies, {
    started,
    allEndedAt,
    cpu,
    postgresSeconds,
    benchSeconds: (bench.user + bench.system) / 1e6,
    machineSeconds,
  });
}

/** An error's code and message, out of graphql()'s `GraphQL <status>: <errors as JSON>`. */
function errorOf(error) {
  const text = String(error?.message ?? error);
  const message = /"message":"([^"]*)"/.exec(text)?.[1];
  const code = /"code":"([A-Z_]+)"/.exec(text)?.[1];
  return message ? `${code ?? 'no code'}: ${message}` : text.slice(0, 120);
}

/** What each client saw of its reply, checked against what the assistant stored. */
function checkReply(r) {
  const events = r.followed.events;
  const current = events[0]?.kind === 'CURRENT' ? events[0] : null;
  const messageId = events[0]?.message.id;
  const end = endOf(events, messageId);
  const endIndex = end ? events.indexOf(end) : events.length;
  const deltas = events.filter((e) => e.kind === 'DELTA' && e.message.id === messageId);
  const beforeEnd = deltas.filter((d) => events.indexOf(d) < endIndex);
  const covered = current?.index ?? 0;
  const total = end?.index ?? NaN;
  const seen = new Set();
  let duplicates = 0;
  let outOfOrder = 0;
  let highest = -1;
  for (const d of deltas) {
    if (seen.has(d.index)) duplicates++;
    else if (d.index < highest && d.index >= covered) outOfOrder++;
    seen.add(d.index);
    highest = Math.max(highest, d.index);
  }
  let lost = 0;
  for (let i = covered; i < total; i++) if (!seen.has(i)) lost++;
  // Missing between the CURRENT text and the first DELTA received: sent after the last progress save, before
  // the gateway listened (README: such a client re-reads the thread); any other loss is a real one.
  const firstIndex = deltas.length ? Math.min(...deltas.map((d) => d.index)) : total;
  const lostAtStart = Math.max(0, Math.min(firstIndex, total) - covered);
  // As a streaming client shows it: the CURRENT text, then each later DELTA as it arrives, until the end.
  const built =
    (current?.delta ?? '') +
    beforeEnd
      .filter((d) => d.index >= covered)
      .map((d) => d.delta)
      .join('');
  const firstText = events.find((e) => (e.kind === 'CURRENT' || e.kind === 'DELTA') && e.delta);
  return {
    end: end?.kind === 'CURRENT' ? `${end.message.status} (already over when followed)` : (end?.kind ?? 'none'),
    status: end?.message.status ?? 'none',
    alreadyOver: end?.kind === 'CURRENT',
    covered,
    total,
    received: seen.size,
    lost,
    lostAtStart,
    duplicates,
    outOfOrder,
    // Deltas the CURRENT text already held may arrive after it (the gateway was behind the database): not late.
    late: deltas.filter((d) => events.indexOf(d) > endIndex && d.index >= covered).length,
    matches: r.stored !== undefined && built === r.stored.content,
    storedIsAnswer: r.stored?.content === answerOf(r.tag),
    firstTextAt: firstText?.at,
    firstTextBy: firstText?.kind,
    endAt: end?.at,
  };
}

function summariseConcurrent(replies, { started, allEndedAt, cpu, postgresSeconds, benchSeconds, machineSeconds }) {
  const checked = replies.filter((r) => r.followed).map((r) => ({ r, c: checkReply(r) }));
  const count = (test) => checked.filter(({ c }) => test(c)).length;
  const sum = (pick) => checked.reduce((total, { c }) => total + (Number.isFinite(pick(c)) ? pick(c) : 0), 0);
  const endTimes = checked.map(({ c }) => c.endAt).filter(Number.isFinite);
  const firstToken = checked.filter(({ c }) => c.firstTextAt).map(({ r, c }) => c.firstTextAt - r.askedAt);
  const providers = checked.map(({ r }) => ({ r, p: provided.get(r.tag) })).filter(({ p }) => p);
  const requestAt = providers.map(({ r, p }) => p.receivedAt - r.askedAt);
  const providerFirst = providers.map(({ p }) => p.contentWrittenAt[0] - p.receivedAt);
  const providerGaps = providers.flatMap(({ p }) =>
    p.contentWrittenAt.slice(1).map((t, i) => t - p.contentWrittenAt[i]),
  );
  // Each DELTA the client got, from the moment its chunk left the provider (one clock).
  const perToken = checked.flatMap(({ r }) => {
    const written = provided.get(r.tag)?.contentWrittenAt ?? [];
    return r.followed.events
      .filter((e) => e.kind === 'DELTA' && Number.isFinite(written[e.index]))
      .map((e) => e.at - written[e.index]);
  });
  const statuses = {};
  for (const { c } of checked) statuses[c.end] = (statuses[c.end] ?? 0) + 1;
  const errors = [...new Set(checked.flatMap(({ r }) => r.followed.errors))].slice(0, 5);
  const askErrors = [...new Set(replies.filter((r) => r.askError).map((r) => r.askError))].slice(0, 5);
  return {
    asked: replies.length,
    askFailed: replies.filter((r) => r.askError).length,
    askErrors,
    storedAnyway: replies.filter((r) => r.storedAnyway).length,
    storedAnywayComplete: replies.filter((r) => r.storedAnyway === 'COMPLETE').length,
    subscriptionsFailed: checked.filter(({ r }) => r.followed.errors.length).length,
    askAnswered: stats(replies.filter((r) => r.answeredAt).map((r) => r.answeredAt - r.askedAt)),
    statuses,
    complete: count((c) => c.status === 'COMPLETE'),
    alreadyOver: count((c) => c.alreadyOver),
    subscriptionErrors: errors,
    allSeconds: endTimes.length ? (Math.max(...endTimes) - started) / 1000 : NaN,
    waitedSeconds: (allEndedAt - started) / 1000,
    firstToken: stats(firstToken),
    firstTextByCurrent: count((c) => c.firstTextBy === 'CURRENT'),
    requestAt: stats(requestAt),
    providerFirst: stats(providerFirst),
    providerGaps: stats(providerGaps),
    perToken: stats(perToken),
    deltas: {
      total: sum((c) => c.total),
      received: sum((c) => c.received),
      covered: sum((c) => c.covered),
      lost: sum((c) => c.lost),
      repliesWithLoss: count((c) => c.lost > 0),
      lostAtStart: sum((c) => c.lostAtStart),
      repliesWithGapAtStart: count((c) => c.lostAtStart > 0),
      duplicates: sum((c) => c.duplicates),
      outOfOrder: sum((c) => c.outOfOrder),
      late: sum((c) => c.late),
    },
    matches: count((c) => c.matches),
    storedIsAnswer: count((c) => c.storedIsAnswer),
    cpu,
    postgresSeconds,
    benchSeconds,
    machineSeconds,
  };
}

/** CPU seconds the whole machine has been busy (every process, every core), from /proc/stat. */
function machineBusySeconds() {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return (user + nice + system + irq + softirq + steal) / 100;
}

/** Count, mean and percentiles of a list of milliseconds. */
function stats(values) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  const mean = sorted.reduce((total, v) => total + v, 0) / (sorted.length || NaN);
  return {
    n: sorted.length,
    mean,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  };
}

function render({ latency, concurrent: c, wallSeconds }) {
  const loads = (list) => list.map((l) => l.toFixed(2)).join(' / ');
  const cpuRows = Object.entries(c.cpu.byProcess)
    .sort(([, a], [, b]) => b - a)
    .map(([name, seconds]) => `| ${name} | ${seconds.toFixed(2)} |`);
  const d = c.deltas;
  return [
    '# Assistant benchmark',
    '',
    `Run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpuModel()}, ` +
      `${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; load average (1 / 5 / 15 min) ` +
      `before ${loads(loadBefore)}, after ${loads(loadavg())}; ${Math.round(wallSeconds)} s in all.`,
    '',
    `**System under test.** ${
      options.topology === 'distributed'
        ? 'The production layout: each subgraph in its own process and the gateway in another'
        : 'The gateway and every subgraph in one process (`BENCH_TOPOLOGY=single`)'
    }, on the machine’s PostgreSQL, NATS JetStream and Redis, with \`ASSISTANT_PROVIDER=openai\`: the ` +
      'assistant’s real @langchain/openai client streams from a fake OpenAI-compatible server in the bench’s ' +
      `process (OpenAI’s SSE wire format, a word per chunk), which writes ${options.tokens} content chunks ` +
      `${options.tokenMs} ms apart (the first ${options.tokenMs} ms after the request) and notes when each ` +
      'request arrived and each chunk was written. The clients (graphql-ws over `ws`) run in the same process, ' +
      'so provider and client times are on one clock; that process shares the 2 cores with the stack.',
    '',
    `## Added latency (${latency.measured} of ${options.samples} questions, one at a time)`,
    '',
    'One user; each question in a thread whose `assistantReply(threadId, current: true)` is already held ' +
      '(a warm-up question, answered at once, made the thread), so the first DELTA is seen as it leaves. ' +
      '“Added” is the client’s figure minus the provider’s, per question.',
    '',
    '| measure | mean | p50 | p95 | p99 |',
    '| --- | ---: | ---: | ---: | ---: |',
    row('`askAssistant` answered', latency.askAnswered),
    row('**first token at the client** (`askAssistant` sent → first DELTA)', latency.clientFirst),
    row('provider’s own first token (request arrived → first content chunk written)', latency.providerFirst),
    row('**added to the first token**', latency.addedFirst),
    row('… of it before the model is called (`askAssistant` sent → request at the provider)', latency.beforeModel),
    row('… of it on the token’s way back (first chunk written → first DELTA at the client)', latency.wayBack),
    row('gap between consecutive DELTAs at the client', latency.clientGaps),
    row(`gap between the provider’s chunks (set to ${options.tokenMs} ms)`, latency.providerGaps),
    row('**per token: chunk written → its DELTA at the client**', latency.perToken),
    '',
    `Added per token, as gaps: mean ${ms(latency.clientGaps.mean - latency.providerGaps.mean)}, p50 ` +
      `${ms(latency.clientGaps.p50 - latency.providerGaps.p50)}, p95 ` +
      `${ms(latency.clientGaps.p95 - latency.providerGaps.p95)} (client minus provider).`,
    ...(latency.problems.length
      ? ['', `Not measured (not every chunk arrived as one DELTA in order): ${latency.problems.join('; ')}.`]
      : []),
    '',
    cpuPerQuestion(latency),
    '',
    `## ${options.replies} concurrent replies`,
    '',
    `${options.replies} users, each on its own graphql-ws socket opened beforehand, send \`askAssistant\` at ` +
      'the same moment (a new thread each) and subscribe to `assistantReply(threadId, current: true)` as ' +
      'soon as it answers. A client builds its text as the README says: the CURRENT event’s text, then each ' +
      'DELTA from CURRENT’s `index` on, until COMPLETE; that text is compared with the stored message ' +
      '(`assistantThread(id) { messages(first: 2) … }`).',
    '',
    '| measure | result |',
    '| --- | --- |',
    `| \`askAssistant\` answered | ${c.asked - c.askFailed} of ${c.asked}; p50 ${ms(c.askAnswered.p50)}, p95 ` +
      `${ms(c.askAnswered.p95)}, p99 ${ms(c.askAnswered.p99)}${listed('errors', c.askErrors)}` +
      (c.askFailed
        ? `; of the ${c.askFailed} refused, the assistant had stored ${c.storedAnyway} anyway ` +
          `(${c.storedAnywayComplete} of them answered COMPLETE, found through \`assistantThreads\` after the run)`
        : '') +
      ' |',
    `| **replies COMPLETE** | **${c.complete} of ${c.asked}** (${Object.entries(c.statuses)
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ')}; ${c.subscriptionsFailed} subscriptions ended with an error${listed('', c.subscriptionErrors)}) |`,
    `| **time to complete all** (first \`askAssistant\` sent → last reply’s end at its client) | ` +
      `**${Number.isFinite(c.allSeconds) ? `${c.allSeconds.toFixed(2)} s` : 'n/a'}** (one reply alone streams for ` +
      `${((options.tokens * options.tokenMs) / 1000).toFixed(2)} s)` +
      (c.complete < c.asked ? `; only ${c.complete} of ${c.asked} ended COMPLETE at their clients` : '') +
      ' |',
    `| **first token per reply** (\`askAssistant\` sent → first text at the client) | **p50 ${ms(c.firstToken.p50)}, ` +
      `p95 ${ms(c.firstToken.p95)}, p99 ${ms(c.firstToken.p99)}** (${c.firstToken.n} replies; ` +
      `${c.firstTextByCurrent} had text already in their CURRENT event) |`,
    `| \`askAssistant\` sent → the request at the provider | p50 ${ms(c.requestAt.p50)}, p95 ${ms(c.requestAt.p95)}, ` +
      `p99 ${ms(c.requestAt.p99)} |`,
    `| provider’s own first token / gap between its chunks | p50 ${ms(c.providerFirst.p50)} / mean ` +
      `${ms(c.providerGaps.mean)}, p95 ${ms(c.providerGaps.p95)} (set to ${options.tokenMs} ms; the bench’s ` +
      'event loop is the provider’s) |',
    `| per token: chunk written → its DELTA at the client | p50 ${ms(c.perToken.p50)}, p95 ${ms(c.perToken.p95)}, ` +
      `p99 ${ms(c.perToken.p99)}, max ${ms(c.perToken.max)} (${int(c.perToken.n)} deltas) |`,
    `| deltas | ${int(d.total)} in the stored replies; ${int(d.received)} received, ${int(d.covered)} covered by ` +
      `CURRENT texts; **lost ${int(d.lost)}** (in ${d.repliesWithLoss} replies; ${int(d.lostAtStart)} of them ` +
      `in ${d.repliesWithGapAtStart} replies between the CURRENT text and the first DELTA), repeated ` +
      `${int(d.duplicates)}, ` +
      `**out of order ${int(d.outOfOrder)}**, after COMPLETE ${int(d.late)} |`,
    `| **client’s text = stored message** | **${c.matches} of ${c.asked}** (stored text is the provider’s answer: ` +
      `${c.storedIsAnswer} of ${c.asked}) |`,
    '',
    `CPU seconds from the first \`askAssistant\` until every reply ended plus 1 s (${c.waitedSeconds.toFixed(1)} ` +
      `+ 1 s; ${cpus().length} cores give at most ${cpus().length} CPU-seconds per second):`,
    '',
    '| process | CPU seconds |',
    '| --- | ---: |',
    ...cpuRows,
    `| **all stack processes** | **${c.cpu.total.toFixed(2)}** |`,
    `| PostgreSQL (this run’s backends) | ${c.postgresSeconds.toFixed(2)} |`,
    `| the bench process (clients and provider) | ${c.benchSeconds.toFixed(2)} |`,
    `| anything else on the machine (busy time from /proc/stat minus the above; NATS, Redis, other work) | ` +
      `${(c.machineSeconds - c.cpu.total - c.postgresSeconds - c.benchSeconds).toFixed(2)} |`,
    `| the whole machine | ${c.machineSeconds.toFixed(2)} of ${((c.waitedSeconds + 1) * cpus().length).toFixed(1)} |`,
    '',
  ].join('\n');
}

/**
 * Stack CPU per measured question of the first part, less what the processes spend idle, per process where
 * the topology tells them apart.
 */
function cpuPerQuestion({ cpu, idle, seconds }) {
  const busy = (name) => cpu.byProcess[name] - (idle[name] ?? 0) * seconds;
  const each = (cpuSeconds) => ms((cpuSeconds * 1000) / options.samples);
  const all = Object.keys(cpu.byProcess).reduce((sum, name) => sum + busy(name), 0);
  const idleAll = Object.values(idle).reduce((sum, rate) => sum + rate, 0);
  const parts =
    'assistant' in cpu.byProcess
      ? `assistant ${each(busy('assistant'))}, gateway ${each(busy('gateway'))}, every stack process ${each(all)} ` +
        `(idle, the assistant spends ${ms(idle.assistant * 1000)} a second and the stack ${ms(idleAll * 1000)})`
      : `the one stack process (gateway and every subgraph) ${each(all)} (idle, it spends ${ms(idleAll * 1000)} a ` +
        'second)';
  return (
    `Stack CPU per question, with its warm-up (a one-word reply), from /proc over the whole part less what the ` +
    `processes spend idle (measured for ${IDLE_MS / 1000} s before it): ${parts}.`
  );
}

// Declared as functions: the bench runs at the top level, before any `const` below it would exist.
function ms(v) {
  return Number.isFinite(v) ? `${Math.abs(v) < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US')} ms` : 'n/a';
}

function int(v) {
  return Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a';
}

function row(label, s) {
  return `| ${label} | ${['mean', 'p50', 'p95', 'p99'].map((k) => ms(s[k])).join(' | ')} |`;
}

function listed(label, list) {
  return list.length ? `; ${label}: ${list.join('; ')}` : '';
}
