// `npm run bench:start`: how long `npm start` takes to say it is ready, and how much memory the
// idle supergraph holds, as a newcomer meets them. Three kinds of start, each a fresh `npm start`:
//   cold     no build output and no turbo cache (TURBO_FORCE), a fresh DATA_DIR: a fresh clone after npm ci
//   first    everything built (turbo's cache), a fresh DATA_DIR: databases created and migrated
//   warm     everything built, the DATA_DIR of an earlier start: what every later start costs
// Memory is the resident set (VmRSS) summed over the process tree npm start makes (npm, the shell,
// node), sampled after it has idled; the node process's own figure is given beside it.
// Results go to bench/START-RESULTS.md. It reports targets as met or missed, never fails over them.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { residentBytes, cpuModel } from './proc.js';
import { positiveInteger, sleep, waitFor } from './util.js';

const root = join(import.meta.dirname, '..');
const WARM_RUNS = positiveInteger('bench:start', 'BENCH_START_WARM_RUNS', 3);
const IDLE_SECONDS = positiveInteger('bench:start', 'BENCH_START_IDLE_SECONDS', 15);
const TARGETS = { warmReadyMs: 10_000, idleBytes: 600 * 1024 * 1024 };
const PACKAGES = [
  'platform',
  'gateway',
  'launcher',
  ...readdirSync(join(root, 'subgraphs')).map((name) => `subgraphs/${name}`),
];

/** The pids of `pid` and all its descendants, from /proc. */
function tree(pid) {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const task of readdirSync(`/proc/${pids[i]}/task`)) {
        const children = readFileSync(`/proc/${pids[i]}/task/${task}/children`, 'utf8').trim();
        if (children) pids.push(...children.split(' ').map(Number));
      }
    } catch {
      // The process ended while we walked.
    }
  }
  return pids;
}

const argvOf = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
};
const rssOf = (pid) => {
  try {
    return residentBytes(pid);
  } catch {
    return 0;
  }
};

/** One `npm start`: time to the ready line, then idle memory; then stopped as an operator would. */
async function measure(kind, dataDir, env = {}) {
  const started = performance.now();
  const child = spawn('npm', ['start'], {
    cwd: root,
    env: { ...process.env, PORT: '0', DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitFor(
      `${kind} start's ready line`,
      () => {
        if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
        return /ready at http/.test(output);
      },
      600_000,
      20,
    );
    const readyMs = performance.now() - started;
    // Idle: no requests; the samples' largest is reported (timers and the GC move it a little).
    let treeBytes = 0;
    let nodeBytes = 0;
    const deadline = Date.now() + IDLE_SECONDS * 1000;
    while (Date.now() < deadline) {
      await sleep(1000);
      const pids = tree(child.pid);
      treeBytes = Math.max(
        treeBytes,
        pids.reduce((sum, pid) => sum + rssOf(pid), 0),
      );
      const node = pids.find((pid) => argvOf(pid)[1] === 'launcher/dist/main.js');
      if (node) nodeBytes = Math.max(nodeBytes, rssOf(node));
    }
    return { kind, readyMs, treeBytes, nodeBytes };
  } finally {
    // SIGTERM to the launcher itself: npm's forwarding of signals is not what is measured here.
    for (const pid of tree(child.pid).reverse()) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
    await exited;
  }
}

function removeBuildOutput() {
  for (const dir of PACKAGES) {
    rmSync(join(root, dir, 'dist'), { recursive: true, force: true });
    rmSync(join(root, dir, 'tsconfig.tsbuildinfo'), { force: true });
  }
}

const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
const mib = (bytes) => `${Math.round(bytes / 1024 / 1024)} MiB`;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const began = new Date();
const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-bench-start-'));
const results = [];
try {
  removeBuildOutput();
  results.push(await measure('cold', join(dataDir, 'cold'), { TURBO_FORCE: 'true' }));
  results.push(await measure('first', join(dataDir, 'warm')));
  for (let i = 0; i < WARM_RUNS; i++) results.push(await measure('warm', join(dataDir, 'warm')));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

const warm = results.filter((r) => r.kind === 'warm');
const warmReady = median(warm.map((r) => r.readyMs));
const warmIdle = Math.max(...warm.map((r) => r.treeBytes));
const row = (r) => `| ${r.kind} | ${s(r.readyMs)} | ${mib(r.treeBytes)} | ${mib(r.nodeBytes)} |`;
const report = [
  '# Start-up benchmark',
  '',
  `Run ${began.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} × ${cpuModel()},
      ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, Node ${process.version}; load average after ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}.`,
  '',
  '**Method.** Each row is one `npm start` (PORT=0, LOG_LEVEL=warn), timed from spawning npm to the "ready at" line, ' +
    `then left idle for ${IDLE_SECONDS} s while the resident set of its process tree (npm, the shell, node) ` +
    `is sampled each second; the largest sample is reported, with the node process's own. ` +
    "*cold*: every package's dist and tsbuildinfo removed and turbo's cache bypassed (TURBO_FORCE), a fresh " +
    'DATA_DIR — a fresh clone after `npm ci`. ' +
    '*first*: built and cached, a fresh DATA_DIR (databases created and migrated). *warm*: built and cached, ' +
    'the DATA_DIR of the start before.',
  '',
  '| start | ready after | idle RSS, process tree | idle RSS, node |',
  '| --- | --- | --- | --- |',
  ...results.map(row),
  '',
  `Warm start ready in ${s(warmReady)} (median of ${warm.length}); target under 10 s: ` +
    `${warmReady < TARGETS.warmReadyMs ? 'met' : '**missed**'}. ` +
    `Idle process tree at most ${mib(warmIdle)}; target under 600 MB: ` +
    `${warmIdle < TARGETS.idleBytes ? 'met' : '**missed**'}.`,
  '',
].join('\n');
writeFileSync(join(root, 'bench', 'START-RESULTS.md'), report);
console.log(report);
if (!existsSync(join(root, 'launcher', 'dist', 'main.js')))
  console.error('bench:start: the build output is missing after the run');
