/**
 * `npm run bench`: starts the stack as a child process, measures gateway overhead and subscription
 * fan-out against it, prints a Markdown report and writes it to bench/RESULTS.md. Every phase is
 * bounded in time, and everything started is stopped and removed, even when a phase fails.
 *
 * Knobs: BENCH_EMBEDDED=1 (PGlite, in-process bus, memory cache instead of Postgres, NATS, Redis),
 * BENCH_DURATION (s, default 10), BENCH_WARMUP (s, 3), BENCH_CONNECTIONS (10), BENCH_CLIENTS (2000).
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { fileURLToPath } from 'node:url';
import { measureFanout } from './fanout.js';
import { measureGatewayOverhead } from './gateway-overhead.js';
import { cpuModel } from './proc.js';
import { renderReport } from './report.js';
import { SystemUnderTest } from './stack.js';

const RESULTS_FILE = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
const DEADLINE_MS = 9 * 60_000;

const number = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};
const options = {
  embedded: process.env.BENCH_EMBEDDED === '1',
  durationSeconds: number('BENCH_DURATION', 10),
  warmupSeconds: number('BENCH_WARMUP', 3),
  connections: number('BENCH_CONNECTIONS', 10),
  clients: number('BENCH_CLIENTS', 2000),
  deliveryTimeoutMs: 60_000,
};
const log = (line) => console.error(line);
const load = () => loadavg().map((l) => l.toFixed(2)).join(' / ');

const system = new SystemUnderTest({ embedded: options.embedded });
let stopping = null;
const stopSystem = () => (stopping ??= system.stop());
// However this process ends, the stack must not outlive it.
process.on('exit', () => system.killNow());
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    log(`bench: ${signal}, cleaning up`);
    await stopSystem();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
const watchdog = setTimeout(async () => {
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
/** A failure's message, with the stack's last output when the stack itself died. */
const failure = (error) => {
  const child = system.child;
  const died = child && (child.exitCode !== null || child.signalCode !== null);
  return died ? `${error.message} (the stack exited; its last output:\n${system.tail()})` : error.message;
};
let overhead = null;
let fanout = null;

log(`bench: starting the stack (${system.adapters.database}, ${system.adapters.bus}, ${system.adapters.cache})`);
try {
  await system.start();
  log(`bench: gateway ${system.url}; identity ${system.subgraphs.identity}; notifications ${system.subgraphs.notifications}`);

  log('bench: federated query, gateway vs. subgraphs directly');
  overhead = await measureGatewayOverhead(system, { ...options, log }).catch((error) => void (errors.overhead = failure(error)));

  log(`bench: subscription fan-out to ${options.clients} clients`);
  fanout = await measureFanout(system, { ...options, log }).catch((error) => void (errors.fanout = failure(error)));
} catch (error) {
  errors.overhead ??= failure(error);
  errors.fanout ??= failure(error);
} finally {
  log('bench: stopping the stack and removing its database, streams and keys');
  await stopSystem();
}
machine.loadAfter = load();

const report = renderReport({ machine, adapters: system.adapters, options, overhead, fanout, errors });
console.log(report);
writeFileSync(RESULTS_FILE, report);
log(`bench: wrote ${RESULTS_FILE}`);
for (const [phase, message] of Object.entries(errors)) log(`bench: ${phase} failed: ${message}`);
process.exitCode = Object.keys(errors).length ? 1 : 0;
