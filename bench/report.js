/**
 * Renders a run as its Markdown section of RESULTS.md. It reports targets as met or missed; it never fails a run over
 * timings.
 */

const TARGETS = { overheadMs: 1, deliveryP99Ms: 1000, bytesPerSocket: 50 * 1024 };

const ms = (v) => (Number.isFinite(v) ? `${Math.abs(v) < 10 ? v.toFixed(2) : v.toFixed(0)} ms` : 'n/a');
const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : 'n/a');
const kib = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : 'n/a');
const mib = (bytes) => (Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : 'n/a');
const verdict = (met) => (met ? 'met' : '**missed**');
const minutes = (seconds) =>
  Number.isFinite(seconds) ? `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s` : 'n/a';
const pct = (v) => (Number.isFinite(v) ? `${Math.round(v)}%` : 'n/a');

/** One section of RESULTS.md per kind of run, in this order; each run replaces its own and keeps the others. */
const SECTIONS = {
  distributed: 'Distributed: the gateway and each subgraph in its own process',
  single: 'Single process: the gateway and every subgraph on one event loop',
  embedded: 'Single process with embedded adapters',
};
const sectionOf = (options) => (options.embedded ? 'embedded' : options.topology);

const SYSTEM_UNDER_TEST = {
  distributed: (cpus) =>
    'System under test: the production layout, each as its own child process (NODE_ENV=production, ' +
    'LOG_LEVEL=warn, no rate limit and no per-address connection cap, since every client connects from ' +
    'loopback): ' +
    '`launcher/dist/migrate.js` run to completion, then ' +
    '`subgraphs/{identity,notifications,social,chat,drive,marketplace,payments}/dist/main.js`, then ' +
    '`gateway/dist/main.js` with `SUBGRAPH_URLS` pointing at them. ' +
    `Each has its own event loop, but all share the machine’s ${cpus} CPUs with PostgreSQL, NATS, Redis and ` +
    `the load generator (autocannon, the WebSocket clients), which is the parent process.`,
  single: () =>
    'System under test: `node launcher/dist/main.js` as a child process (NODE_ENV=production, ' +
    'LOG_LEVEL=warn, no rate limit and no per-address connection cap, since every client connects from ' +
    'loopback). ' +
    'The gateway and every subgraph run in that one process, on one event loop. The load generator ' +
    '(autocannon, the WebSocket clients) is the parent process on the same machine, competing for the same ' +
    'CPUs.',
};

/**
 * This run's section of RESULTS.md.
 * @param {{ machine: object, adapters: object, options: object, overhead?: object, fanout?: object, errors:
 * Record<string, string> }} run
 */
export function renderReport(run) {
  const { machine, adapters, options } = run;
  const knobs = [
    `BENCH_TOPOLOGY=${options.topology}${options.topology === 'distributed' ? ', the default' : ''}`,
    options.embedded && 'BENCH_EMBEDDED=1',
  ]
    .filter(Boolean)
    .join(', ');
  return [
    `## ${SECTIONS[sectionOf(options)]}`,
    '',
    `Run ${machine.date} with \`npm run bench\` (${knobs}); the whole run took ${minutes(machine.wallSeconds)}.`,
    '',
    `- Machine: ${machine.cpus} × ${machine.cpuModel} (\`nproc\` = ${machine.cpus}), ${machine.memoryGiB} ` +
      `GiB RAM, ${machine.os}, Node ${machine.node}. ` +
      `Load average ${machine.loadBefore} at the start and ${machine.loadAfter} at the end: anything else ` +
      `running on the machine slows every number below.`,
    `- Adapters: database ${adapters.database}, event bus ${adapters.bus}, cache ${adapters.cache}.`,
    `- ${SYSTEM_UNDER_TEST[options.topology](machine.cpus)}`,
    '',
    ...overheadSection(run.overhead, options, machine, run.errors.overhead),
    ...fanoutSection(run.fanout, options, machine, run.errors.fanout),
  ].join('\n');
}

/** RESULTS.md with `section` in place of the same kind of run's previous one; sections of other kinds are kept. */
export function mergeResults(previous, options, section) {
  const kept = {};
  for (const chunk of previous.split(/^(?=## )/m)) {
    const kind = Object.keys(SECTIONS).find((k) => chunk.startsWith(`## ${SECTIONS[k]}\n`));
    if (kind) kept[kind] = chunk.trimEnd();
  }
  kept[sectionOf(options)] = section.trimEnd();
  const present = Object.keys(SECTIONS).filter((k) => kept[k]);
  return [
    '# PeerLink benchmarks',
    '',
    'Each `npm run bench` replaces the section for its kind of run and keeps the others, so runs can be compared: ' +
      '`BENCH_TOPOLOGY=distributed` (the default) runs the gateway and each subgraph as separate processes, ' +
      'as in production; ' +
      '`BENCH_TOPOLOGY=single` runs them all in one process; `BENCH_EMBEDDED=1` (single only) swaps ' +
      'PostgreSQL, NATS and Redis for the embedded adapters. ' +
      'Each section is one run with its own date, machine load and method. On a small shared machine, runs ' +
      'of the same topology minutes apart can differ by tens of percent, so read a difference between ' +
      'sections as real only when it is larger than that.',
    '',
    ...present.map((k) => `${kept[k]}\n`),
  ].join('\n');
}

function overheadSection(result, options, machine, error) {
  const lines = ['### Federated query: gateway vs. each subgraph directly', ''];
  if (!result) return [...lines, `Not measured: ${error}`, ''];
  const { connections: n, durationSeconds, inboxSize } = result;
  const distributed = options.topology === 'distributed';
  lines.push(
    `Through the gateway: \`{ me { id username displayName } notifications(first: 10) { edges { node { id ` +
      `title kind } } } }\` with a bearer token, for a user with ${inboxSize} notifications. ` +
      'Directly: the `me` half on identity and the `notifications` half on notifications, each with the ' +
      'internal token the gateway would have sent for the same user. ' +
      `Per target: ${options.warmupSeconds} s warm-up, then ${durationSeconds} s on 1 connection and ` +
      `${durationSeconds} s on ${n} connections (autocannon; percentiles over every response at microsecond ` +
      `precision). ` +
      (distributed
        ? '"Stack CPU/req" is the CPU time (all threads) of the gateway, identity and notifications processes ' +
          'together, divided by requests answered; "gateway CPU/req" is the gateway process’s part of it.'
        : '"Stack CPU/req" is the stack process’s CPU time (all threads) divided by requests answered; the ' +
          'gateway shares that process with the subgraphs, so its own part cannot be told apart.'),
    '',
    `| Target | req/s, 1 conn | p50, 1 conn | p99, 1 conn | req/s, ${n} conn | p50, ${n} conn | p99, ${n} ` +
      `conn | stack CPU/req, ${n} conn |${distributed ? ` gateway CPU/req, ${n} conn |` : ''} failed |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|${distributed ? '---:|' : ''}---:|`,
  );
  for (const { target, single, loaded } of result.results) {
    const name = target === 'gateway' ? 'gateway (both fields)' : `${target} directly`;
    lines.push(
      `| ${name} | ${int(single.rps)} | ${ms(single.p50)} | ${ms(single.p99)} | ${int(loaded.rps)} | ` +
        `${ms(loaded.p50)} | ${ms(loaded.p99)} | ${ms(loaded.cpuMsPerRequest)} ` +
        `|${distributed ? ` ${ms(loaded.gatewayCpuMsPerRequest)} |` : ''} ${single.failures + loaded.failures} ` +
        `|`,
    );
  }
  const gateway = result.results.find((r) => r.target === 'gateway');
  const { single, loaded } = result.overhead;
  const met = single.minusSlower < TARGETS.overheadMs;
  lines.push(
    '',
    distributed
      ? `Where the CPU of a federated request goes, per request answered through the gateway: ` +
          `${perProcess(gateway.single)} on 1 connection; ${perProcess(gateway.loaded)} on ${n} connections. ` +
          `On ${n} connections the stack kept ${pct(gateway.loaded.cpuPercent)} of one core busy (the ` +
          `gateway process ${pct(gateway.loaded.gatewayCpuPercent)}; the machine has ` +
          `${machine.cpus * 100}%), and the load generator ${pct(gateway.loaded.generatorCpuPercent)}.`
      : `On ${n} connections through the gateway the stack process kept ${pct(gateway.loaded.cpuPercent)} of ` +
          `one core busy (the machine has ${machine.cpus * 100}%), and the load generator ` +
          `${pct(gateway.loaded.generatorCpuPercent)}.`,
    '',
    `**Gateway overhead at p50: ${ms(single.minusSlower)}** on 1 connection (target under ` +
      `${TARGETS.overheadMs} ms: ${verdict(met)}); ${ms(loaded.minusSlower)} on ${n} connections.`,
    '',
    'Method: the gateway fetches both root fields in parallel, so what it adds is its p50 minus the slower ' +
      'subgraph’s p50. ' +
      'The 1-connection run has no queueing, so its p50 is the plain service time; the loaded run measures ' +
      'throughput, and its latencies include time spent waiting in line. ' +
      (distributed
        ? 'Here each subgraph is its own process, so the two subgraph calls can run at the same time, on cores ' +
          'the gateway and the load generator also need.'
        : `Here the subgraphs share the gateway’s event loop, so their CPU work does not truly overlap; the ` +
          `stricter "gateway minus both subgraphs" is ${ms(single.minusBoth)} on 1 connection and ` +
          `${ms(loaded.minusBoth)} on ${n}.`),
  );
  if (!met)
    lines.push('', `Likely cause: ${distributed ? distributedOverheadCause(result) : singleOverheadCause(result)}`);
  lines.push('');
  return lines;
}

function singleOverheadCause(result) {
  const cpu = Object.fromEntries(result.results.map((r) => [r.target, r.loaded.cpuMsPerRequest]));
  const subgraphs = cpu.identity + cpu.notifications;
  return (
    `each federated request costs the stack ${ms(cpu.gateway)} of CPU, ${ms(cpu.gateway - subgraphs)} more ` +
    `than the two subgraph requests it makes (${ms(subgraphs)}). ` +
    'On this shared event loop the gateway’s own work (token check, Apollo’s request pipeline, plan ' +
    'execution, two HTTP calls to the subgraphs, re-serialising) is what sets the latency, not waiting on ' +
    'the subgraphs.'
  );
}

const perProcess = (run) =>
  ['gateway', 'identity', 'notifications']
    .map((name) => `${name} ${ms(run.cpuMsPerRequestByProcess[name])}`)
    .join(', ');

/**
 * Read from the 1-connection run, where the overhead is measured: no queueing, so CPU per request is time on the
 * request's path.
 */
function distributedOverheadCause(result) {
  const { single } = result.results.find((r) => r.target === 'gateway');
  const overhead = result.overhead.single.minusSlower;
  const own = single.gatewayCpuMsPerRequest;
  const share = own / overhead;
  const work =
    `on 1 connection the gateway process alone spends ${ms(own)} of CPU per federated request (token check, ` +
    `Apollo’s request pipeline, plan execution, two HTTP calls to the subgraphs, re-serialising)`;
  if (share >= 0.8)
    return (
      `${work}, about as much as the ${ms(overhead)} it adds at p50: its own CPU work, not the extra hops to ` +
      `the subgraphs, is the overhead.`
    );
  return (
    `${work}, ${pct(share * 100)} of the ${ms(overhead)} it adds at p50. ` +
    'The rest is likely the two loopback HTTP hops and waiting for a core, which the gateway shares with ' +
    'both subgraphs, the databases and the load generator.'
  );
}

function fanoutSection(result, options, machine, error) {
  const lines = ['### Subscription fan-out', ''];
  if (!result) return [...lines, `Not measured: ${error}`, ''];
  const { clients, memory, delivery } = result;
  const deliveryMet = delivery.arrived === clients && delivery.p99 <= TARGETS.deliveryP99Ms;
  // Heap used, not RSS: RSS hides growth into pages the process already holds from earlier bursts.
  const memoryMet = memory.heapPerSocket < TARGETS.bytesPerSocket;
  const distributed = options.topology === 'distributed';
  const owner = distributed ? 'gateway process' : 'stack process (gateway and every subgraph)';
  const settledNote = (m) =>
    m.settled ? '' : ` (not settled after ${Math.round(m.waitedSeconds)} s: may include garbage)`;
  lines.push(
    `${int(clients)} graphql-ws clients, each signed in as its own user and subscribed to ` +
      `\`notificationAdded { id title }\`. ` +
      `Memory comes from the gateway’s /metrics ${distributed ? '(the gateway process alone) ' : ''}before ` +
      `any socket opens and again once all are live (\`peerlink_active_subscriptions\` = ` +
      `${int(clients)}) and idle. No GC is forced: each time the bench waits (up to 45 s) for V8’s own major ` +
      `GC to run and heap used to stay flat for 3 s, and takes the median of those samples. ` +
      (options.topology === 'single' ? 'That process also runs every subgraph, so the totals include theirs. ' : '') +
      'Then an admin’s `sendAnnouncement` creates a SYSTEM notification for every user; each latency runs ' +
      'from sending the mutation to that client receiving its notification.',
    '',
    '| Measure | Result | Target |',
    '|---|---:|---|',
    `| users registered through the gateway | ${int(clients)} at ${int(result.registrationsPerSecond)}/s | |`,
    `| all sockets opened and subscriptions live | ${result.connectSeconds.toFixed(1)} s | |`,
    `| ${owner} heap used, before → after | ${mib(memory.before.heapUsed)}${settledNote(memory.before)} → ` +
      `${mib(memory.after.heapUsed)}${settledNote(memory.after)} | |`,
    `| **heap used per idle socket** | **${kib(memory.heapPerSocket)}** | under 50 KiB: ` +
      `${memoryVerdict(memory, memoryMet)} |`,
    `| ${owner} RSS, before → after | ${mib(memory.before.rss)} → ${mib(memory.after.rss)} | |`,
    `| RSS per idle socket | ` + `${kib(memory.rssPerSocket)}${rssNote(memory)} ` + `| |`,
    ...(distributed
      ? [
          `| RSS of each stack process with the sockets live | ${Object.entries(memory.residentByProcess)
            .map(([name, bytes]) => `${name} ${mib(bytes)}`)
            .join(', ')} | |`,
        ]
      : []),
    `| announcement recipients (mutation result; every user in the database) | ${int(delivery.recipients)} | |`,
    `| mutation response time | ${ms(delivery.mutationMs)} | |`,
    `| **notifications arrived** | **${int(delivery.arrived)} / ${int(clients)}** within ` +
      `${delivery.timeoutMs / 1000} ` +
      `s${delivery.failedSockets ? `; ${delivery.failedSockets} sockets failed` : ''} | all |`,
    `| first arrival | ${ms(delivery.first)} | |`,
    `| p50 | ${ms(delivery.p50)} | |`,
    `| **p99** | **${ms(delivery.p99)}** | within 1 s: ${verdict(deliveryMet)} |`,
    `| max | ${ms(delivery.max)} | |`,
    `| delivery rate after the first arrival | ${int(delivery.perSecond)}/s | |`,
    `| CPU busy from the mutation to the last arrival, share of one core (of ${machine.cpus * 100}%) | ` +
      `${busyList(delivery)} | |`,
  );
  if (!deliveryMet) lines.push('', `Likely cause (delivery): ${deliveryCause(result, options, machine)}`);
  if (!memoryMet) {
    lines.push(
      '',
      'Likely cause (memory): each socket holds a ws connection with its buffers, a graphql-ws context, the ' +
        'connection record with its expiry timer, and a subscription channel with its async generator.',
    );
  }
  lines.push('');
  return lines;
}

/** A heap that shrank while sockets opened measured garbage, not sockets; unsettled readings are said so. */
function memoryVerdict(memory, met) {
  if (!(memory.heapPerSocket > 0)) return 'not measured (the heap shrank: the reading before held garbage)';
  return memory.before.settled && memory.after.settled ? verdict(met) : `${verdict(met)} (from unsettled readings)`;
}

const busyList = (delivery) =>
  Object.entries(delivery.cpuPercentByProcess)
    .sort(([, a], [, b]) => b - a)
    .map(([name, busy]) => `${name} ${pct(busy)}`)
    .join(', ');

/** Which resource paced the delivery, from each stack process's CPU over the delivery window. */
function deliveryCause({ clients, delivery }, options, machine) {
  const lookups =
    `the gateway resolves every event with its own federated lookup query for its subscriber ` +
    `(${int(clients)} gateway → notifications round trips and reads), ` +
    `which ran at about ${int(delivery.perSecond)}/s here; the announcement’s own transaction took ` +
    `${ms(delivery.mutationMs)} before the first event could leave.`;
  const ranked = Object.entries(delivery.cpuPercentByProcess).sort(([, a], [, b]) => b - a);
  const [busiest, busy] = ranked[0] ?? ['', NaN];
  const others = ranked
    .slice(1)
    .map(([name, v]) => `${name} ${pct(v)}`)
    .join(', ');
  const total = ranked.reduce((sum, [, v]) => sum + v, 0);
  let pace;
  if (options.topology === 'single' && busy >= 85) {
    pace =
      `the stack process was busy ${pct(busy)} of one core on average, so its one event loop (gateway and ` +
      `every subgraph) is what sets that rate.`;
  } else if (busy >= 85) {
    const role = {
      notifications:
        ` (it stores and publishes the ${int(delivery.recipients)} notifications, ` + 'then answers every lookup)',
      gateway: ' (it receives every event, runs its lookup and pushes the payload)',
    };
    pace =
      `the ${busiest} process was busy ${pct(busy)} of one core on average${role[busiest] ?? ''}, against ` +
      `${others}: that one event loop, near a full core, sets the rate.`;
  } else if (total >= machine.cpus * 100 * 0.85) {
    pace =
      `the stack processes together kept ${pct(total)} of the machine’s ${machine.cpus * 100}% busy, so the ` +
      `cores, not one event loop, set that rate.`;
  } else {
    pace =
      `no stack process was CPU-bound (busiest: ${busiest} at ${pct(busy)}), so the time went to waiting: ` +
      `round trips, PostgreSQL and NATS.`;
  }
  return `${lookups} During the delivery ${pace}`;
}

/** Why RSS per socket can be far below the heap's growth. */
function rssNote(memory) {
  if (memory.rssPerSocket >= memory.heapPerSocket / 2) return '';
  return ' (the heap grew into pages the process already held from earlier work, so RSS hardly moved)';
}
