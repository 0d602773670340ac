import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import WebSocket from 'ws';
import { generateKeyPairPem, readSigningKeys } from '@peerlink/platform/auth/keys';
import { issueAccessToken } from '@peerlink/platform/auth/access-token';
import { NodeProcess } from '../child.js';
import { latencyRun } from '../load.js';
import { cpuModel, cpuSeconds } from '../proc.js';
import { mapLimit, percentile, positiveInteger, sleep, waitFor } from '../util.js';
import { DEEP, SMALL, saltedBodies } from './queries.js';
import { composeSupergraph } from './subgraphs.js';

/**
 * `npm run bench:federation`: the public four-subgraph workload through plain Apollo Gateway, Hive
 * Gateway and ours, one process each, started side by side in one run on one supergraph.
 *
 * 1. Throughput: the deep query, BENCH_CONNECTIONS connections, BENCH_SECONDS per gateway per
 *    round, BENCH_ROUNDS rounds with the gateways' order rotated; req/s is the median over rounds,
 *    p50/p99 are of every latency of every round. Every request carries a new salt, so no gateway
 *    can merge subgraph calls of concurrent requests (the subgraphs count them to show it), and
 *    all three must first answer the same.
 * 2. Overhead: the small query on one connection, through each gateway and straight to the
 *    subgraph that answers it; a gateway's overhead is its p50 minus the direct p50.
 * 3. Idle sockets: BENCH_SOCKETS signed-in graphql-ws sockets held open on our gateway; its heap
 *    (after a forced GC) and RSS per socket.
 *
 * Writes bench/FEDERATION-RESULTS.md. BENCH_PARTS=throughput,overhead,sockets picks parts.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const CONNECTIONS = positiveInteger('bench:federation', 'BENCH_CONNECTIONS', 16);
const SECONDS = positiveInteger('bench:federation', 'BENCH_SECONDS', 6);
const WARMUP_SECONDS = positiveInteger('bench:federation', 'BENCH_WARMUP_SECONDS', 4);
const ROUNDS = positiveInteger('bench:federation', 'BENCH_ROUNDS', 5);
const OVERHEAD_SECONDS = positiveInteger('bench:federation', 'BENCH_OVERHEAD_SECONDS', 5);
const SOCKETS = positiveInteger('bench:federation', 'BENCH_SOCKETS', 2000);
const PARTS = new Set((process.env.BENCH_PARTS ?? 'throughput,overhead,sockets').split(','));
const GATEWAYS = (process.env.BENCH_GATEWAYS ?? 'ours,apollo,hive').split(',');
const OUT = process.env.BENCH_OUT ?? join(ROOT, 'bench', 'FEDERATION-RESULTS.md');

const log = (line) => console.log(`[bench:federation] ${line}`);
const work = mkdtempSync(join(tmpdir(), 'peerlink-bench-federation-'));
const processes = [];
process.on('exit', () => {
  for (const child of processes) child.kill();
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const started = new Date();
const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

log('starting the four subgraphs (one process)');
const subgraphs = spawn('subgraphs', [join(import.meta.dirname, 'subgraphs.js')]);
const { urls } = JSON.parse(
  await waitFor(
    'the subgraphs to print their URLs',
    () =>
      subgraphs.output
        .join('')
        .split('\n')
        .find((l) => l.startsWith('{')),
    30_000,
  ),
);
const supergraphPath = join(work, 'supergraph.graphql');
writeFileSync(supergraphPath, composeSupergraph(urls));

const accessKeys = generateKeyPairPem();
const gatewayKeys = generateKeyPairPem();
const accessSigner = readSigningKeys({ privateKey: accessKeys.privateKey }).privateKey;

const gateways = {};
let port = 24100 + Math.floor(Math.random() * 800) * 10;
for (const name of GATEWAYS) gateways[name] = await startGateway(name, port++);

const results = { throughput: null, overhead: null, sockets: null };
try {
  if (PARTS.has('throughput')) results.throughput = await throughput();
  if (PARTS.has('overhead')) results.overhead = await overhead();
  if (PARTS.has('sockets')) results.sockets = await idleSockets();
} finally {
  await Promise.all(processes.map((child) => child.stop()));
}
const loadAfter = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
writeFileSync(OUT, report());
log(`wrote ${OUT}`);
process.exit(0);

// --- the processes -------------------------------------------------------------------------

function spawn(name, args, env = {}) {
  const child = new NodeProcess(name, args, { cwd: ROOT, env: { ...process.env, ...env } });
  processes.push(child);
  return child;
}

/** Our gateway runs exactly as `npm run start:gateway` runs it after its build step. */
function ourCommand() {
  const script = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:gateway'];
  const [command, ...args] = script.split('&&').at(-1).trim().split(/\s+/);
  if (command !== 'node') throw new Error(`start:gateway does not end with a node command: ${script}`);
  return args;
}

function ourEnv(port, extra = {}) {
  return {
    SERVICE: 'gateway',
    PORT: String(port),
    HOST: '127.0.0.1',
    SUPERGRAPH_PATH: supergraphPath,
    ACCESS_TOKEN_PUBLIC_KEY: accessKeys.publicKey,
    GATEWAY_PRIVATE_KEY: gatewayKeys.privateKey,
    DATA_DIR: join(work, `data-${port}`),
    // As the other two: no per-request log line, no rate limit (its cap would stop the bench) and no
    // cost limit (the deep query's four nested unpaged lists are priced at about 10^4 × its fields).
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    MAX_QUERY_COST: '0',
    DATABASE_URL: '',
    NATS_URL: '',
    REDIS_URL: '',
    ...extra,
  };
}

async function startGateway(name, port) {
  const url = `http://127.0.0.1:${port}/graphql`;
  let child;
  if (name === 'ours') child = spawn(name, ourCommand(), ourEnv(port));
  else if (name === 'apollo')
    child = spawn(name, [join(import.meta.dirname, 'apollo-gateway.js'), supergraphPath, String(port)]);
  else if (name === 'hive') {
    const require = createRequire(import.meta.url);
    const bin = join(dirname(require.resolve('@graphql-hive/gateway/package.json')), 'dist', 'bin.js');
    // --fork 0: one process, as the other two; the supergraph file is read once and polled.
    child = spawn(name, [
      bin,
      'supergraph',
      supergraphPath,
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--fork',
      '0',
    ]);
  } else throw new Error(`unknown gateway ${name}`);
  log(`starting ${name} on port ${port}`);
  const probe = saltedBodies(SMALL, 'Me', 'ready');
  await waitFor(
    `${name} to answer`,
    async () => {
      if (!child.running) throw new Error(`${name} exited: ${child.tail()}`);
      const answer = await post(url, probe());
      return answer.data?.me?.id === '1';
    },
    90_000,
    250,
  ).catch((error) => {
    throw new Error(`${error.message}\n${child.tail()}`);
  });
  return { name, url, child };
}

async function post(url, body, headers = {}) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  return response.json();
}

async function subgraphStats() {
  return (await fetch(urls.accounts.replace(/\/graphql$/, '/stats'))).json();
}

// --- 1. throughput ----------------------------------------------------------------------------

async function throughput() {
  log('checking that every gateway answers the deep query the same');
  const reference = {};
  for (const gateway of Object.values(gateways)) {
    const answer = await post(gateway.url, saltedBodies(DEEP, 'TestQuery', `check-${gateway.name}`)());
    if (answer.errors)
      throw new Error(`${gateway.name} answered with errors: ${JSON.stringify(answer.errors).slice(0, 500)}`);
    reference[gateway.name] = answer;
  }
  const [first, ...others] = Object.keys(reference);
  for (const name of others) {
    if (!isDeepStrictEqual(reference[name], reference[first]))
      throw new Error(`${name} and ${first} answer the deep query differently`);
  }
  const answerBytes = Buffer.byteLength(JSON.stringify(reference[first]));
  log(`  same answer from ${Object.keys(reference).join(', ')}: ${(answerBytes / 1024).toFixed(1)} KiB`);

  for (const gateway of Object.values(gateways)) {
    log(`warm-up: ${gateway.name}, ${WARMUP_SECONDS} s`);
    await load(gateway, DEEP, 'TestQuery', {
      connections: CONNECTIONS,
      seconds: WARMUP_SECONDS,
      salt: `warm-${gateway.name}`,
    });
  }
  const runs = Object.fromEntries(Object.keys(gateways).map((name) => [name, []]));
  const names = Object.keys(gateways);
  for (let round = 0; round < ROUNDS; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const name of order) {
      const run = await load(gateways[name], DEEP, 'TestQuery', {
        connections: CONNECTIONS,
        seconds: SECONDS,
        salt: `r${round}-${name}`,
      });
      log(
        `round ${round + 1}/${ROUNDS} ${name}: ${run.rps.toFixed(0)} req/s, p50 ${run.p50.toFixed(1)} ms, ` +
          `p99 ${run.p99.toFixed(1)} ms, ${run.failures} failures, ${run.subgraphCallsPerRequest.toFixed(2)} ` +
          `subgraph calls/request (${run.unsaltedCalls} unsalted)`,
      );
      if (run.firstFailure) log(`  first failure: ${run.firstFailure}`);
      runs[name].push(run);
    }
  }
  const summary = {};
  for (const [name, list] of Object.entries(runs)) {
    const all = list.flatMap((run) => run.latencies).sort((a, b) => a - b);
    summary[name] = {
      rps: median(list.map((run) => run.rps)),
      rpsRange: [Math.min(...list.map((run) => run.rps)), Math.max(...list.map((run) => run.rps))],
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      failures: list.reduce((sum, run) => sum + run.failures, 0),
      requests: list.reduce((sum, run) => sum + run.requests, 0),
      gatewayCpuMsPerRequest: median(list.map((run) => run.gatewayCpuMsPerRequest)),
      subgraphCpuMsPerRequest: median(list.map((run) => run.subgraphCpuMsPerRequest)),
      subgraphCallsPerRequest: median(list.map((run) => run.subgraphCallsPerRequest)),
      unsaltedCalls: list.reduce((sum, run) => sum + run.unsaltedCalls, 0),
    };
    for (const run of list) delete run.latencies;
  }
  return { answerBytes, runs, summary };
}

/** One run against `gateway`, every body with a new salt, with its CPU and the subgraph calls it caused. */
async function load(gateway, query, operationName, { connections, seconds, salt, headers = {} }) {
  const nextBody = saltedBodies(query, operationName, salt);
  const statsBefore = await subgraphStats();
  const cpuBefore = {
    gateway: gateway.child ? cpuSeconds(gateway.child.pid) : 0,
    subgraphs: cpuSeconds(subgraphs.pid),
  };
  const run = await latencyRun({
    url: gateway.url,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        setupRequest: (request) => ({ ...request, body: nextBody() }),
      },
    ],
  });
  const statsAfter = await subgraphStats();
  const answered = Math.max(1, run.requests);
  return {
    ...run,
    gatewayCpuMsPerRequest: gateway.child
      ? ((cpuSeconds(gateway.child.pid) - cpuBefore.gateway) * 1000) / answered
      : NaN,
    subgraphCpuMsPerRequest: ((cpuSeconds(subgraphs.pid) - cpuBefore.subgraphs) * 1000) / answered,
    subgraphCallsPerRequest: (sum(statsAfter.calls) - sum(statsBefore.calls)) / answered,
    unsaltedCalls: sum(statsAfter.unsalted) - sum(statsBefore.unsalted),
  };
}

// --- 2. overhead ------------------------------------------------------------------------------

async function overhead() {
  const token = (
    await issueAccessToken(accessSigner, { userId: 'bench-user', sessionId: 'bench-session', roles: [] }, 3600)
  ).token;
  const targets = [
    { name: 'accounts subgraph, direct', url: urls.accounts },
    ...Object.values(gateways).map((gateway) => ({ name: gateway.name, url: gateway.url, child: gateway.child })),
  ];
  if (gateways.ours)
    targets.push({
      name: 'ours, signed in',
      url: gateways.ours.url,
      child: gateways.ours.child,
      headers: { authorization: `Bearer ${token}` },
    });
  const rows = [];
  for (const target of targets) {
    log(`overhead: ${target.name}, warm-up 2 s then 1 connection for ${OVERHEAD_SECONDS} s`);
    await load(target, SMALL, 'Me', { connections: 1, seconds: 2, salt: `ow-${rows.length}`, headers: target.headers });
    const run = await load(target, SMALL, 'Me', {
      connections: 1,
      seconds: OVERHEAD_SECONDS,
      salt: `o-${rows.length}`,
      headers: target.headers,
    });
    delete run.latencies;
    rows.push({ target: target.name, ...run });
  }
  const direct = rows[0];
  for (const row of rows.slice(1)) row.overheadP50 = row.p50 - direct.p50;
  return { rows };
}

// --- 3. idle sockets --------------------------------------------------------------------------

/**
 * A second instance of our gateway, as start:gateway runs it plus --expose-gc and a preload that
 * answers SIGUSR2 with a full GC and a line of memory figures, so the heap is read without garbage.
 */
async function idleSockets() {
  const port = 24000 + Math.floor(Math.random() * 100);
  const preload = join(import.meta.dirname, 'memory-probe.js');
  const args = ourCommand();
  const child = spawn(
    'ours (memory)',
    ['--expose-gc', '--import', preload, ...args],
    ourEnv(port, { MAX_CONNECTIONS_PER_ADDRESS: String(SOCKETS + 100) }),
  );
  const gateway = { name: 'ours (memory)', url: `http://127.0.0.1:${port}/graphql`, child };
  await waitFor(
    'the memory gateway to answer',
    async () => (await post(gateway.url, saltedBodies(SMALL, 'Me', 'mem')())).data?.me,
    90_000,
    250,
  );

  log(`sockets: signing ${SOCKETS} access tokens`);
  const tokens = await mapLimit(
    Array.from({ length: SOCKETS }, (_, i) => i),
    50,
    async (i) =>
      (
        await issueAccessToken(
          accessSigner,
          { userId: `bench-user-${i}`, sessionId: `bench-session-${i}`, roles: [] },
          3600,
        )
      ).token,
  );
  // One socket opened and closed first, so what is loaded once for any socket is in the baseline.
  (await openSocket(gateway.url, tokens[0])).close();
  await sleep(500);
  const before = await memory(child);
  log(`sockets: opening ${SOCKETS}, each signed in as its own user`);
  const t0 = performance.now();
  const sockets = await mapLimit(tokens, 50, (token) => openSocket(gateway.url, token));
  const openSeconds = (performance.now() - t0) / 1000;
  await sleep(1000);
  const after = await memory(child);
  for (const socket of sockets) socket.close();
  await child.stop();
  const perSocket = (key) => (after[key] - before[key]) / SOCKETS;
  return {
    sockets: SOCKETS,
    openSeconds,
    before,
    after,
    heapPerSocket: perSocket('heapUsed'),
    rssPerSocket: perSocket('rss'),
  };
}

/** A graphql-ws socket, signed in (connection_init with the token) and acknowledged. */
function openSocket(url, token) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const timer = setTimeout(() => fail(new Error('no connection_ack within 20 s')), 20_000);
    const fail = (error) => {
      clearTimeout(timer);
      socket.terminate();
      reject(error);
    };
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'connection_ack') {
        clearTimeout(timer);
        resolve(socket);
      } else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
    });
    socket.on('close', (code, reason) => fail(new Error(`socket closed ${code} ${reason}`)));
    socket.on('error', fail);
  });
}

/** Heap after two forced GCs, and RSS, as the gateway's preload reports them on SIGUSR2. */
async function memory(child) {
  const seen = child.output.length;
  child.child.kill('SIGUSR2');
  const line = await waitFor(
    'a memory report',
    () =>
      child.output
        .slice(seen)
        .join('')
        .split('\n')
        .find((l) => l.startsWith('{"memory"')),
    10_000,
    50,
  );
  return JSON.parse(line).memory;
}

// --- report -----------------------------------------------------------------------------------

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function sum(counts) {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}

function report() {
  const fixed = (n, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
  const lines = [
    '# Federation gateway benchmark',
    '',
    `Run ${started.toISOString()} on ${cpuModel()} (${availableParallelism()} CPUs), Node ` +
      `${process.version}; load average ${loadBefore} before, ${loadAfter} after.`,
    `Gateways: ours (\`npm run start:gateway\`), @apollo/gateway ${version('@apollo/gateway')} on ` +
      `@apollo/server ${version('@apollo/server')}, @graphql-hive/gateway ${version('@graphql-hive/gateway')} ` +
      `(\`--fork 0\`); one process each, all running through the run.`,
    '',
    '## Method',
    '',
    '- Workload: the public four-subgraph federation benchmark (accounts, inventory, products, reviews, with ' +
      'its data), served by one Node process (`bench/federation/subgraphs.js`) that answers each distinct ' +
      'subgraph query from memory after executing it once, so the subgraphs cost little and the gateways get ' +
      'the CPU. One change: a `salt` argument on one field of every subgraph fetch, given a new value in every ' +
      'request, so no gateway can merge subgraph calls of concurrent requests; the subgraphs count calls that ' +
      'carried none (a gateway that batches fetches renames the variable, `_v0_salt`, which counts as carried).',
    '- Ours runs as `npm run start:gateway` runs it after its build step (the command is read from ' +
      'package.json), on the embedded bus and cache, at `LOG_LEVEL=warn` and with `RATE_LIMIT_PER_MINUTE=0` ' +
      '(the other two log nothing per request and have no rate limit); query limits, metrics, CSRF and CORS ' +
      "checks stay on. Apollo Gateway runs on Apollo Server's standalone server with default data sources " +
      '(`bench/federation/apollo-gateway.js`); Hive Gateway through its CLI with defaults.',
    '- Load: autocannon in the bench process, on the same machine. CPU per request is read from /proc for ' +
      'each gateway process and for the subgraphs process.',
    '',
  ];
  const t = results.throughput;
  if (t) {
    const ours = t.summary.ours;
    lines.push(
      '## Throughput: the deep query',
      '',
      `${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per gateway (order rotated each round, ` +
        `after ${WARMUP_SECONDS} s of warm-up each). Every request carries a new salt; all gateways answered ` +
        `the same ${(t.answerBytes / 1024).toFixed(1)} KiB before the runs. req/s is the median of the rounds ` +
        `(range in brackets); p50 and p99 are over every request of every round.`,
      '',
      '| gateway | req/s | p50 ms | p99 ms | failures | gateway CPU ms/req | subgraph calls/req | subgraph ' +
        'CPU ms/req |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...Object.entries(t.summary).map(
        ([name, s]) =>
          `| ${name} | ${fixed(s.rps, 0)} (${fixed(s.rpsRange[0], 0)}–${fixed(s.rpsRange[1], 0)}) | ` +
          `${fixed(s.p50)} | ${fixed(s.p99)} | ${s.failures} of ${s.requests} | ` +
          `${fixed(s.gatewayCpuMsPerRequest, 2)} | ${fixed(s.subgraphCallsPerRequest, 2)} | ` +
          `${fixed(s.subgraphCpuMsPerRequest, 2)} |`,
      ),
      '',
    );
    if (ours) {
      for (const [name, s] of Object.entries(t.summary)) {
        if (name === 'ours') continue;
        const target = name === 'apollo' ? 2 : name === 'hive' ? 1.2 : undefined;
        const ratio = ours.rps / s.rps;
        const p99Ok = ours.p99 <= s.p99;
        lines.push(
          `- ours / ${name}: **${ratio.toFixed(2)}×** ` +
            `req/s${target ? ` (target ${target}×: ${ratio >= target ? 'met' : 'missed'})` : ''}; p99 ` +
            `${fixed(ours.p99)} against ${fixed(s.p99)} ms (${p99Ok ? 'no worse: met' : 'worse: missed'}).`,
        );
      }
      lines.push(
        '',
        `Subgraph calls without a salt during the runs: ${Object.entries(t.summary)
          .map(([name, s]) => `${name} ${s.unsaltedCalls}`)
          .join(', ')}.`,
        '',
      );
    }
    lines.push(
      'Per round:',
      '',
      '| round | ' + Object.keys(t.runs).join(' | ') + ' |',
      '| --- |' +
        Object.keys(t.runs)
          .map(() => ' --- |')
          .join(''),
    );
    for (let i = 0; i < ROUNDS; i++)
      lines.push(
        `| ${i + 1} | ` +
          Object.values(t.runs)
            .map((list) => `${fixed(list[i].rps, 0)} req/s, p99 ${fixed(list[i].p99)} ms`)
            .join(' | ') +
          ' |',
      );
    lines.push('');
  }
  const o = results.overhead;
  if (o) {
    lines.push(
      '## Overhead: the small query',
      '',
      `\`me { id username name }\`: one subgraph call. One connection, ${OVERHEAD_SECONDS} s each after 2 s ` +
        `of warm-up; overhead is the gateway's p50 minus the subgraph's own.`,
      '',
      '| target | req/s | p50 ms | p99 ms | overhead at p50 | gateway CPU ms/req |',
      '| --- | --- | --- | --- | --- | --- |',
      ...o.rows.map(
        (r) =>
          `| ${r.target} | ${fixed(r.rps, 0)} | ${fixed(r.p50, 2)} | ${fixed(r.p99, 2)} | ` +
          `${r.overheadP50 === undefined ? '' : `${fixed(r.overheadP50, 2)} ms`} | ` +
          `${fixed(r.gatewayCpuMsPerRequest, 2)} |`,
      ),
      '',
    );
  }
  const s = results.sockets;
  if (s) {
    const kib = (bytes) => (bytes / 1024).toFixed(1);
    lines.push(
      '## Idle graphql-ws sockets on our gateway',
      '',
      `${s.sockets} sockets, each signed in as its own user (connection_init with an access token) and ` +
        `acknowledged, opened in ${s.openSeconds.toFixed(1)} s; memory read after a forced full GC, before and ` +
        `after.`,
      '',
      '| measure | before | after | per socket |',
      '| --- | --- | --- | --- |',
      `| heap used | ${kib(s.before.heapUsed)} KiB | ${kib(s.after.heapUsed)} KiB | ` +
        `**${kib(s.heapPerSocket)} KiB** (target under 50 KiB: ` +
        `${s.heapPerSocket < 50 * 1024 ? 'met' : 'missed'}) |`,
      `| RSS | ${kib(s.before.rss)} KiB | ${kib(s.after.rss)} KiB | ${kib(s.rssPerSocket)} KiB |`,
      '',
    );
  }
  return lines.join('\n');
}

function version(name) {
  try {
    return JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return '?';
  }
}
