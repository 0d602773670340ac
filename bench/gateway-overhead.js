import { bearer, benchUser, graphql, jwtClaims, login, register } from './graphql.js';
import { latencyRun } from './load.js';
import { waitFor } from './util.js';

const ME = 'me { id username displayName }';
const INBOX = 'notifications(first: 10) { edges { node { id title kind } } }';
const QUERIES = {
  gateway: `query { ${ME} ${INBOX} }`,
  identity: `query { ${ME} }`,
  notifications: `query { ${INBOX} }`,
};
const INBOX_SIZE = 10;

/**
 * The same federated query through the gateway and, piece by piece, straight at each subgraph with
 * the internal token the gateway would have sent. Each target gets a warm-up, a run on one
 * connection (latency with no queueing: the overhead is read from this one) and a run on several
 * connections (throughput, and latency under saturation).
 *
 * @param {import('./stack.js').SystemUnderTest} system
 * @param {{ durationSeconds: number, warmupSeconds: number, connections: number, log: (line: string) => void }} options
 */
export async function measureGatewayOverhead(system, { durationSeconds, warmupSeconds, connections, log }) {
  const user = await seedUser(system);
  const targets = [
    { name: 'gateway', url: system.url, headers: async () => bearer(user.token) },
    { name: 'identity', url: system.subgraphs.identity, headers: () => system.internalHeader(user.viewer, 'identity') },
    {
      name: 'notifications',
      url: system.subgraphs.notifications,
      headers: () => system.internalHeader(user.viewer, 'notifications'),
    },
  ];

  const results = [];
  for (const target of targets) {
    const body = JSON.stringify({ query: QUERIES[target.name] });
    await check(target, body, await target.headers());
    log(`  ${target.name}: warm-up ${warmupSeconds} s`);
    await load(system, target, body, { connections, seconds: warmupSeconds });
    log(`  ${target.name}: 1 connection, ${durationSeconds} s`);
    const single = await load(system, target, body, { connections: 1, seconds: durationSeconds });
    log(`  ${target.name}: ${connections} connections, ${durationSeconds} s`);
    const loaded = await load(system, target, body, { connections, seconds: durationSeconds });
    results.push({ target: target.name, single, loaded });
  }
  return { connections, durationSeconds, inboxSize: INBOX_SIZE, results, overhead: overheadOf(results) };
}

/** A user with a full first page of notifications: the welcome one plus a sign-in from each new device. */
async function seedUser(system) {
  const user = await register(system.url, benchUser(system.runId, 'solo'));
  for (let device = 1; device < INBOX_SIZE; device++) await login(system.url, user, `bench-device-${device}`);
  await waitFor(
    `${INBOX_SIZE} notifications in the bench user's inbox`,
    async () =>
      (await graphql(system.url, `query { ${INBOX} }`, {}, bearer(user.token))).notifications.edges.length >=
      INBOX_SIZE,
    30_000,
    200,
  );
  const claims = jwtClaims(user.token);
  return { ...user, viewer: { userId: claims.sub, sessionId: claims.sid, roles: claims.roles ?? [] } };
}

async function check(target, body, headers) {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  if (!response.ok || text.includes('"errors"'))
    throw new Error(`${target.name} answered ${response.status}: ${text.slice(0, 300)}`);
}

/** One run, with the CPU the stack and this process spent on it. */
async function load(system, target, body, { connections, seconds }) {
  const headers = { 'content-type': 'application/json', ...(await target.headers()) };
  const cpuBefore = system.cpuSeconds();
  const generatorCpuBefore = process.cpuUsage();
  const run = await latencyRun({ url: target.url, method: 'POST', headers, body, connections, duration: seconds });
  const { elapsed } = run;
  const cpu = system.cpuSince(cpuBefore);
  const generatorCpu = process.cpuUsage(generatorCpuBefore);
  const answered = Math.max(1, run.requests);
  return {
    requests: run.requests,
    rps: run.rps,
    p50: run.p50,
    p99: run.p99,
    failures: run.failures,
    // CPU (every thread) per answered request, of every stack process and of the gateway's alone:
    // where the time goes when latency does not say. In the single topology the two are the same process.
    cpuPercent: (cpu.total / elapsed) * 100,
    gatewayCpuPercent: (cpu.gateway / elapsed) * 100,
    // This process: autocannon and the bench itself, on the same CPUs.
    generatorCpuPercent: ((generatorCpu.user + generatorCpu.system) / 1e6 / elapsed) * 100,
    cpuMsPerRequest: (cpu.total * 1000) / answered,
    gatewayCpuMsPerRequest: (cpu.gateway * 1000) / answered,
    cpuMsPerRequestByProcess: Object.fromEntries(
      Object.entries(cpu.byProcess).map(([name, seconds]) => [name, (seconds * 1000) / answered]),
    ),
  };
}

/**
 * The gateway asks both subgraphs at once, so its latency is at least the slower one's; what it
 * adds beyond that is its overhead. When the subgraphs share the gateway's process (the single
 * topology), their CPU work does not overlap, so "minus both" is the stricter (smaller) figure.
 */
function overheadOf(results) {
  const by = Object.fromEntries(results.map((r) => [r.target, r]));
  const of = (run) => {
    const gateway = by.gateway[run].p50;
    const identity = by.identity[run].p50;
    const notifications = by.notifications[run].p50;
    return { minusSlower: gateway - Math.max(identity, notifications), minusBoth: gateway - identity - notifications };
  };
  return { single: of('single'), loaded: of('loaded') };
}
