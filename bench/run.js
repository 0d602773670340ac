/**
 * `npm run bench`: starts the stack as child processes, measures gateway overhead and subscription
 * fan-out against it, prints a Markdown report and writes it into its section of bench/RESULTS.md.
 * Every phase is bounded in time, and everything started is stopped and removed, even when a phase
 * fails.
 *
 * Knobs: BENCH_TOPOLOGY (`distributed`, the default: gateway and each subgraph in its own process;
 * `single`: all in one process), BENCH_EMBEDDED=1 (PGlite, in-process bus, memory cache instead of
 * Postgres, NATS, Redis; implies and needs `single`), BENCH_DURATION (s, default 10), BENCH_WARMUP
 * (s, 3), BENCH_CONNECTIONS (10), BENCH_CLIENTS (2000).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureFanout } from './fanout.js';
import { measureGatewayOverhead } from './gateway-overhead.js';
import { cpuModel } from './proc.js';
import { mergeResults, renderReport } from './report.js';
import { SystemUnderTest, TOPOLOGIES } from './stack.js';

const RESULTS_FILE = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const DEADLINE_MS = 9 * 60_000;

const problems = [];
const number = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) problems.push(`${name} must be a positive number`);
  return value;
};
const embedded = process.env.BENCH_EMBEDDED === '1';
const options = {
  embedded,
  // The in-process bus of the embedded adapters only works within one process.
  topology: process.env.BENCH_TOPOLOGY || (embedded ? 'single' : 'distributed'),
  durationSeconds: number('BENCH_DURATION', 10),
  warmupSeconds: number('BENCH_WARMUP', 3),
  connections: number('BENCH_CONNECTIONS', 10),
  clients: number('BENCH_CLIENTS', 2000),
  deliveryTimeoutMs: 60_000,
};
if (!TOPOLOGIES.includes(options.topology))
  problems.push(`BENCH_TOPOLOGY must be one of ${TOPOLOGIES.join(', ')}, not "${options.topology}"`);
else if (embedded && options.topology !== 'single')
  problems.push('BENCH_EMBEDDED=1 needs BENCH_TOPOLOGY=single: the in-process event bus cannot cross processes');
if (problems.length) {
  console.error(`bench: bad configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  process.exit(2);
}
const log = (line) => console.error(line);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

const startedAt = Date.now();
const system = new SystemUnderTest(options);
let stopping = null;
let interrupted = false;
const stopSystem = () => (stopping ??= system.stop());
// However this process ends, the stack must not outlive it.
process.on('exit', () => system.killNow());
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    interrupted = true;
    log(`bench: ${signal}, cleaning up`);
    await stopSystem();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
const watchdog = setTimeout(async () => {
  interrupted = true;
  log(`bench: still running after ${DEADLINE_MS / 60_000} min; giving up`);
  await stopSystem();
  process.exit(1);
}, DEADLINE_MS);
watchdog.unref();

const machine = {
  date: new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC',
  cpus: cpus().length,
  cpuModel: cpuModel(),
  memoryGiB: (totalmem() / 1024 ** 3).toFixed(1),
  os: `${type()} ${release()}`,
  node: process.version,
  loadBefore: load(),
};
const errors = {};
/** A failure's message, with a stack process's last output when it died. */
const failure = (error) => {
  const deaths = system.deaths();
  return deaths ? `${error.message} (${deaths})` : error.message;
};
let overhead = null;
let fanout = null;

log(
  `bench: starting the stack (${options.topology}; ${system.adapters.database}, ${system.adapters.bus}, ` +
    `${system.adapters.cache})`,
);
try {
  await system.start();
  log(
    `bench: gateway ${system.url}; identity ${system.subgraphs.identity}; notifications ` +
      `${system.subgraphs.notifications}`,
  );
  log(`bench: processes ${system.processes.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);

  log('bench: federated query, gateway vs. subgraphs directly');
  overhead = await measureGatewayOverhead(system, { ...options, log }).catch((error) => {
    errors.overhead = failure(error);
  });

  log(`bench: subscription fan-out to ${options.clients} clients`);
  fanout = await measureFanout(system, { ...options, log }).catch((error) => {
    errors.fanout = failure(error);
  });
} catch (error) {
  errors.overhead ??= failure(error);
  errors.fanout ??= failure(error);
} finally {
  log('bench: stopping the stack and removing its database, streams and keys');
  await stopSystem();
}
machine.loadAfter = load();
machine.wallSeconds = (Date.now() - startedAt) / 1000;

// An interrupted run exits from its handler; its partial numbers must not replace the last good ones.
if (!interrupted) {
  const report = renderReport({ machine, adapters: system.adapters, options, overhead, fanout, errors });
  console.log(report);
  writeFileSync(
    RESULTS_FILE,
    mergeResults(existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '', options, report),
  );
  log(`bench: wrote ${RESULTS_FILE}`);
  for (const [phase, message] of Object.entries(errors)) log(`bench: ${phase} failed: ${message}`);
  process.exitCode = Object.keys(errors).length ? 1 : 0;
}
