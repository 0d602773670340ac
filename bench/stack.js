import { createPrivateKey, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueAccessToken } from '@peerlink/platform/auth/access-token';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '@peerlink/platform/auth/internal-token';
import { generateKeyPairPem } from '@peerlink/platform/auth/keys';
import { ledgerKey } from '@peerlink/platform/auth/role-ledger';
import { uuidv7 } from '@peerlink/platform/ids';
import pg from 'pg';
import { NodeProcess } from './child.js';
import { cpuSeconds, listeningPorts, residentBytes } from './proc.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';

/** The machine's real services; the bench makes its own database, NATS namespace and Redis prefix in them. */
export const SERVICES = {
  postgres: process.env.BENCH_POSTGRES_URL ?? `postgres://postgres@${HOST}:5432`,
  nats: process.env.BENCH_NATS_URL ?? `nats://${HOST}:4222`,
  redis: process.env.BENCH_REDIS_URL ?? `redis://${HOST}:6379`,
};

/** As docker-compose.yml and `npm run start:gateway` run the gateway: a larger young generation, less GC. */
const GATEWAY_NODE_FLAGS = ['--max-semi-space-size=32'];

/** The subgraphs, each its own process in the distributed topology. */
const SUBGRAPHS = [
  'identity',
  'notifications',
  'social',
  'chat',
  'drive',
  'marketplace',
  'payments',
  'learning',
  'live-sessions',
  'assistant',
  'analytics',
];

/** BENCH_TOPOLOGY's values, and the name of the process that serves the gateway in each. */
export const TOPOLOGIES = ['distributed', 'single'];
const GATEWAY = { distributed: 'gateway', single: 'stack' };

/**
 * The system under test, always as child processes, so the load generator's CPU and memory never
 * count as the stack's. Two topologies:
 * - `distributed`: `launcher/dist/migrate.js` to completion, then each subgraph and the gateway
 *   in its own process, as production runs them;
 * - `single`: `launcher/dist/main.js`, the gateway and every subgraph in one process on one event
 *   loop. The only one embedded adapters allow: the in-process event bus cannot cross processes.
 * Everything it creates, stop() removes, whether or not the run got that far.
 */
export class SystemUnderTest {
  /** @param {{ embedded: boolean, topology: 'distributed' | 'single', env?: Record<string, string> }} options */
  constructor({ embedded, topology, env = {} }) {
    this.embedded = embedded;
    this.topology = topology;
    /** Settings every stack process gets on top of the bench's own (e.g. FEED_FANOUT_MAX_FOLLOWERS). */
    this.extraEnv = env;
    this.runId = `${Date.now().toString(36).slice(-5)}${randomBytes(2).toString('hex')}`;
    this.namespace = `bench_${this.runId}`;
    this.databaseUrl = embedded ? undefined : `${SERVICES.postgres}/${this.namespace}`;
    this.dataDir = mkdtempSync(join(tmpdir(), 'peerlink-bench-'));
    this.keys = { accessToken: generateKeyPairPem(), gateway: generateKeyPairPem(), assistant: generateKeyPairPem() };
    this.fileUrlSecret = randomBytes(32).toString('hex');
    this.adapters = embedded
      ? { database: 'PGlite (embedded)', bus: 'in-process', cache: 'memory' }
      : { database: 'PostgreSQL', bus: 'NATS JetStream', cache: 'Redis' };
    /** Every process of the stack that may be running. @type {NodeProcess[]} */
    this.processes = [];
    this.createdDatabase = false;
    this.stopping = false;
  }

  get url() {
    return `http://${HOST}:${this.port}/graphql`;
  }

  /** The process that serves the gateway: alone when distributed, with the subgraphs when single. */
  get gatewayProcess() {
    return this.processes.find((p) => p.name === GATEWAY[this.topology]);
  }

  async start() {
    [this.port, ...this.subgraphPorts] = await freePorts(1 + SUBGRAPHS.length);
    if (!this.embedded) {
      await withPg(`${SERVICES.postgres}/postgres`, (db) => db.query(`create database ${this.namespace}`));
      this.createdDatabase = true;
      await this.runToCompletion('migrate', 'launcher/dist/migrate.js', { SERVICE: 'migrate' });
    }
    await this.startProcesses();
  }

  /**
   * `count` accounts written straight into identity's table (registering them through the API
   * would spend minutes hashing passwords and measure nothing), also made known to the subgraphs
   * in `knownTo` (their `people` tables), each with an access token signed by the bench's key.
   */
  async seedAccounts(count, { roles = ['USER'], knownTo = [] } = {}) {
    const ids = Array.from({ length: count }, () => uuidv7());
    await withPg(this.databaseUrl, async (db) => {
      await db.query(
        `insert into identity.users (id, username, display_name, created_at, updated_at, email, password_hash, roles)
         select id, 'u' || replace(id::text, '-', ''), 'Bench user', now(), now(), replace(id::text, '-', '') ||
           '@bench.example', 'not-a-password-hash', $2::text[]
         from unnest($1::uuid[]) as u(id)`,
        [ids, roles],
      );
      for (const schema of knownTo)
        await db.query(`insert into ${schema}.people (user_id, joined_at) select unnest($1::uuid[]), now()`, [ids]);
    });
    // The gateway honours only the roles the role ledger records: record them, as identity would at sign-in.
    const { Redis } = await import('ioredis');
    const redis = new Redis(SERVICES.redis, { maxRetriesPerRequest: 3 });
    try {
      const pipeline = redis.pipeline();
      for (const userId of ids) pipeline.set(`${this.namespace}:${ledgerKey(userId)}`, JSON.stringify(roles));
      await pipeline.exec();
    } finally {
      redis.disconnect();
    }
    const key = createPrivateKey(this.keys.accessToken.privateKey);
    return Promise.all(
      ids.map(async (userId) => ({
        userId,
        token: (await issueAccessToken(key, { userId, sessionId: randomUUID(), roles }, 3600)).token,
      })),
    );
  }

  /** Gives `username` the ADMIN role in identity's table, as an operator would. */
  async makeAdmin(username) {
    await this.withDatabase((db) =>
      db.query(
        `update identity.users set roles = array_append(roles, 'ADMIN') where username = $1 and not 'ADMIN' = ` +
          `any(roles)`,
        [username],
      ),
    );
  }

  /**
   * Runs `work(db)` on the stack's database, `db.query(sql, params)` either way: a PostgreSQL client, or
   * in embedded mode the stack's PGlite files, which one process may open at a time, so the stack is
   * stopped meanwhile and started again after.
   */
  async withDatabase(work) {
    if (!this.embedded) return withPg(this.databaseUrl, work);
    await this.stopProcesses();
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(join(this.dataDir, 'db'));
    try {
      return await work(db);
    } finally {
      await db.close();
      await this.startProcesses();
    }
  }

  /** An `x-peerlink-internal` header for calling `subgraph` directly as `viewer`, as the gateway would. */
  async internalHeader(viewer, subgraph) {
    const token = await signInternalToken(
      createPrivateKey(this.keys.gateway.privateKey),
      { viewer, client: { ip: HOST, userAgent: 'peerlink-bench' } },
      subgraph,
    );
    return { [INTERNAL_TOKEN_HEADER]: token };
  }

  /**
   * The Ed25519 keys `service` needs, as `npm run keys` prints them (base64 of the PEM), and no
   * others, as in production: identity signs access tokens, the gateway verifies them and signs
   * subgraph calls, every subgraph verifies those. The single process signs both.
   */
  keysFor(service) {
    const env = (name, pem) => ({ [name]: Buffer.from(pem).toString('base64') });
    const { accessToken, gateway, assistant } = this.keys;
    switch (service) {
      case 'identity':
        return {
          ...env('ACCESS_TOKEN_PRIVATE_KEY', accessToken.privateKey),
          ...env('GATEWAY_PUBLIC_KEY', gateway.publicKey),
        };
      case 'notifications':
      case 'social':
      case 'chat':
      case 'drive':
      case 'marketplace':
      case 'payments':
      case 'learning':
      case 'live-sessions':
      case 'analytics':
        return env('GATEWAY_PUBLIC_KEY', gateway.publicKey);
      case 'assistant':
        return {
          ...env('GATEWAY_PUBLIC_KEY', gateway.publicKey),
          ...env('ASSISTANT_PRIVATE_KEY', assistant.privateKey),
          ASSISTANT_GATEWAY_URL: `http://${HOST}:${this.port}/graphql`,
        };
      case 'gateway':
        return {
          ...env('ACCESS_TOKEN_PUBLIC_KEY', accessToken.publicKey),
          ...env('GATEWAY_PRIVATE_KEY', gateway.privateKey),
          ...env('ASSISTANT_PUBLIC_KEY', assistant.publicKey),
        };
      case 'all':
        return {
          ...env('ACCESS_TOKEN_PRIVATE_KEY', accessToken.privateKey),
          ...env('GATEWAY_PRIVATE_KEY', gateway.privateKey),
          ...env('ASSISTANT_PRIVATE_KEY', assistant.privateKey),
        };
      default:
        return {};
    }
  }

  /** Gateway /metrics as series → value; a labelled series keeps its labels, e.g. `x_count{kind="major"}`. */
  async metrics() {
    const text = await (
      await fetch(`http://${HOST}:${this.port}/metrics`, { signal: AbortSignal.timeout(5000) })
    ).text();
    const values = {};
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) ([-+\d.eE]+|NaN)$/.exec(line);
      if (match) values[match[1]] = Number(match[2]);
    }
    return values;
  }

  /** CPU seconds (all threads) each stack process has used so far, by process name. */
  cpuSeconds() {
    return Object.fromEntries(this.processes.filter((p) => p.running).map((p) => [p.name, cpuSeconds(p.pid)]));
  }

  /** Resident memory of each running stack process, by process name. */
  residentBytes() {
    return Object.fromEntries(this.processes.filter((p) => p.running).map((p) => [p.name, residentBytes(p.pid)]));
  }

  /**
   * CPU seconds each stack process used since the `cpuSeconds()` reading `before`, their sum, and the gateway process's
   * part.
   */
  cpuSince(before) {
    const byProcess = {};
    for (const [name, seconds] of Object.entries(this.cpuSeconds()))
      if (name in before) byProcess[name] = seconds - before[name];
    const total = Object.values(byProcess).reduce((sum, seconds) => sum + seconds, 0);
    return { byProcess, total, gateway: byProcess[this.gatewayProcess?.name] ?? NaN };
  }

  /**
   * CPU seconds so far of each PostgreSQL backend serving this run's database, by pid (the server
   * runs on this machine); empty in embedded mode, where the database is inside the stack.
   */
  async postgresCpuSeconds() {
    if (this.embedded) return {};
    const { rows } = await withPg(this.databaseUrl, (db) =>
      db.query('select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()'),
    );
    const seconds = {};
    for (const { pid } of rows) {
      try {
        seconds[pid] = cpuSeconds(pid);
      } catch {
        // The backend ended while we were reading.
      }
    }
    return seconds;
  }

  /** CPU seconds PostgreSQL spent for this run since the reading `before`; backends that ended meanwhile are missed. */
  async postgresCpuSince(before) {
    const now = await this.postgresCpuSeconds();
    return Object.entries(now).reduce((sum, [pid, seconds]) => sum + seconds - (before[pid] ?? 0), 0);
  }

  /** How many of `userIds` notifications knows as recipients; null in embedded mode (the stack holds PGlite). */
  async recipientCount(userIds) {
    if (this.embedded) return null;
    const { rows } = await withPg(this.databaseUrl, (db) =>
      db.query('select count(*)::int as n from notifications.recipients where user_id = any($1::uuid[])', [userIds]),
    );
    return rows[0].n;
  }

  async stop() {
    this.stopping = true;
    await this.stopProcesses().catch((error) => console.error(`bench: stopping the stack: ${error.message}`));
    await this.removeNamespace().catch((error) => console.error(`bench: removing ${this.namespace}: ${error.message}`));
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Which stack processes have exited, with their last output; empty while all run. */
  deaths() {
    return this.processes
      .filter((p) => !p.running)
      .map(
        (p) =>
          `${p.name} exited (${p.status.code ?? p.status.signal}); ` +
          `${p.tail() ? `its last output:\n${p.tail()}` : 'it printed nothing'}`,
      )
      .join('\n');
  }

  env(extra) {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST,
      DATA_DIR: this.dataDir,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      // Every bench client connects from loopback; the per-address cap is for real clients.
      MAX_CONNECTIONS_PER_ADDRESS: '1000000',
      MAX_SUBSCRIPTIONS_PER_ADDRESS: '1000000',
      EVENT_NAMESPACE: this.namespace,
      // Learning signs links to lecture segments that drive serves: one secret for both, as npm run keys writes.
      FILE_URL_SECRET: this.fileUrlSecret,
    };
    // Passed through so a run can compare live lookups batched and not (LIVE_LOOKUP_BATCH_SIZE=0).
    if (process.env.LIVE_LOOKUP_BATCH_SIZE) env.LIVE_LOOKUP_BATCH_SIZE = process.env.LIVE_LOOKUP_BATCH_SIZE;
    if (!this.embedded)
      Object.assign(env, { DATABASE_URL: this.databaseUrl, NATS_URL: SERVICES.nats, REDIS_URL: SERVICES.redis });
    return { ...env, ...this.extraEnv, ...this.keysFor(extra.SERVICE ?? 'all'), ...extra };
  }

  /** Starts `script` as `name`; `runAs` are the Node flags production runs it with (docker-compose.yml). */
  spawn(name, script, env, runAs = []) {
    // A start still under way must not add processes (or streams) after stop() has cleaned up.
    if (this.stopping) throw new Error(`not starting ${name}: the bench is stopping`);
    // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", is for profiling the stack.
    const nodeArgs = [...runAs, ...(process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)];
    const child = new NodeProcess(name, [...nodeArgs, join(ROOT, script)], { cwd: ROOT, env: this.env(env) });
    this.processes.push(child);
    return child;
  }

  async runToCompletion(name, script, env) {
    const child = this.spawn(name, script, env);
    try {
      await child.completion(120_000);
    } finally {
      this.processes = this.processes.filter((p) => p !== child);
    }
  }

  async startProcesses() {
    this.processes = [];
    const ready = (port) => `http://${HOST}:${port}/readyz`;
    if (this.topology === 'single') {
      await this.spawn('stack', 'launcher/dist/main.js', { SERVICE: 'all', PORT: String(this.port) }).ready(
        ready(this.port),
      );
      this.subgraphs = await this.findSubgraphs();
      return;
    }
    this.subgraphs = Object.fromEntries(
      SUBGRAPHS.map((name, i) => [name, `http://${HOST}:${this.subgraphPorts[i]}/graphql`]),
    );
    await Promise.all(
      SUBGRAPHS.map((name, i) => {
        const port = String(this.subgraphPorts[i]);
        return this.spawn(name, `subgraphs/${name}/dist/main.js`, { SERVICE: name, PORT: port }).ready(ready(port));
      }),
    );
    const gateway = this.spawn(
      'gateway',
      'gateway/dist/main.js',
      {
        SERVICE: 'gateway',
        PORT: String(this.port),
        SUBGRAPH_URLS: Object.entries(this.subgraphs)
          .map(([name, url]) => `${name}=${url}`)
          .join(','),
      },
      GATEWAY_NODE_FLAGS,
    );
    await gateway.ready(ready(this.port));
  }

  /**
   * The subgraphs listen on random loopback ports. Each accepts only internal tokens addressed to
   * it by name, so the name whose token a port accepts is the subgraph behind it.
   */
  async findSubgraphs() {
    const found = {};
    for (const port of listeningPorts(this.gatewayProcess.pid).filter((p) => p !== this.port)) {
      const url = `http://${HOST}:${port}/graphql`;
      for (const name of SUBGRAPHS) {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(await this.internalHeader(null, name)) },
          body: JSON.stringify({ query: '{ _service { sdl } }' }),
          signal: AbortSignal.timeout(5000),
        }).catch(() => null);
        if (response?.ok && (await response.json()).data?._service) found[name] = url;
      }
    }
    if (SUBGRAPHS.some((name) => !found[name]))
      throw new Error(`could not find every subgraph among the stack's ports: ${JSON.stringify(found)}`);
    return found;
  }

  /** The gateway first, so it stops sending work to subgraphs that are going away. */
  async stopProcesses() {
    await this.gatewayProcess?.stop();
    await Promise.all(this.processes.map((p) => p.stop()));
  }

  /** Drops the database, the JetStream streams and the Redis keys of this run's namespace. */
  async removeNamespace() {
    if (this.embedded) return;
    const { NatsEventBus } = await import('@peerlink/platform/events/nats-event-bus');
    const { createLogger } = await import('@peerlink/platform/logger');
    const bus = await NatsEventBus.connect(
      SERVICES.nats,
      this.namespace,
      { maxAttempts: 1, baseDelayMs: 1 },
      createLogger({ level: 'silent', service: 'bench' }),
    );
    await bus.destroy();

    const { Redis } = await import('ioredis');
    const redis = new Redis(SERVICES.redis, { maxRetriesPerRequest: 3 });
    try {
      let cursor = '0';
      let rounds = 0;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.namespace}:*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0' && ++rounds < 100_000);
    } finally {
      await redis.quit();
    }

    if (this.createdDatabase) {
      await withPg(`${SERVICES.postgres}/postgres`, (db) =>
        db.query(`drop database if exists ${this.namespace} with (force)`),
      );
    }
  }

  /** Last resort on an abrupt exit (synchronous): never leave the stack running. */
  killNow() {
    for (const child of this.processes) child.kill();
  }
}

export async function withPg(connectionString, work) {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000, query_timeout: 60_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** `count` distinct free loopback ports: all are held open together, so none is handed out twice. */
async function freePorts(count) {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, HOST, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => server.address().port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/**
 * The frame of a bench script: `body` starts systems with `start(options)` and returns the report, which is printed and
 * written to `resultsFile`. Every system started is stopped at the end, on failure (after printing what its processes
 * last said) and on Ctrl-C. `System` is SystemUnderTest or a subclass that starts a part of the stack.
 */
export async function runBench(name, resultsFile, body, System = SystemUnderTest) {
  const systems = [];
  const log = (line) => console.error(`${name}: ${line}`);
  process.on('exit', () => {
    for (const system of systems) system.killNow();
  });
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, async () => {
      await Promise.all(systems.map((s) => s.stop()));
      process.exit(130);
    });
  }
  const start = async (options) => {
    const system = new System(options);
    systems.push(system);
    await system.start();
    return system;
  };
  let exitCode = 0;
  try {
    const report = await body({ start });
    console.log(report);
    writeFileSync(resultsFile, report);
    log(`wrote ${resultsFile}`);
  } catch (error) {
    log(
      `failed: ${error.stack ?? error.message}${systems
        .map((s) => s.deaths())
        .filter(Boolean)
        .join('\n')}`,
    );
    exitCode = 1;
  } finally {
    await Promise.all(systems.map((s) => s.stop()));
  }
  process.exit(exitCode);
}
