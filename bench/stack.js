import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { INTERNAL_TOKEN_HEADER, signInternalToken } from '@peerlink/platform/auth/internal-token';
import pg from 'pg';
import { listeningPorts } from './proc.js';
import { waitFor } from './util.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';

/** The machine's real services; the bench makes its own database, NATS namespace and Redis prefix in them. */
const SERVICES = {
  postgres: process.env.BENCH_POSTGRES_URL ?? `postgres://postgres@${HOST}:5432`,
  nats: process.env.BENCH_NATS_URL ?? `nats://${HOST}:4222`,
  redis: process.env.BENCH_REDIS_URL ?? `redis://${HOST}:6379`,
};

/**
 * `node launcher/dist/main.js` (the gateway and every subgraph in one process) as a child process,
 * so the load generator's CPU and memory never count as the gateway's. Everything it creates,
 * stop() removes, whether or not the run got that far.
 */
export class SystemUnderTest {
  /** @param {{ embedded: boolean }} options */
  constructor({ embedded }) {
    this.embedded = embedded;
    this.runId = `${Date.now().toString(36).slice(-5)}${randomBytes(2).toString('hex')}`;
    this.namespace = `bench_${this.runId}`;
    this.databaseUrl = embedded ? undefined : `${SERVICES.postgres}/${this.namespace}`;
    this.dataDir = mkdtempSync(join(tmpdir(), 'peerlink-bench-'));
    this.secrets = { jwt: randomBytes(32).toString('base64url'), internal: randomBytes(32).toString('base64url') };
    this.adapters = embedded
      ? { database: 'PGlite (embedded)', bus: 'in-process', cache: 'memory' }
      : { database: 'PostgreSQL', bus: 'NATS JetStream', cache: 'Redis' };
    /** @type {import('node:child_process').ChildProcess | null} */
    this.child = null;
    this.output = [];
    this.createdDatabase = false;
  }

  get pid() {
    return this.child.pid;
  }

  get url() {
    return `http://${HOST}:${this.port}/graphql`;
  }

  async start() {
    this.port = await freePort();
    if (!this.embedded) {
      await withPg(`${SERVICES.postgres}/postgres`, (db) => db.query(`create database ${this.namespace}`));
      this.createdDatabase = true;
      await runScript(join(ROOT, 'launcher/dist/migrate.js'), this.env());
    }
    await this.startChild();
  }

  /** Gives `username` the ADMIN role in identity's table, as an operator would. */
  async makeAdmin(username) {
    const sql = `update identity.users set roles = array_append(roles, 'ADMIN') where username = $1 and not 'ADMIN' = any(roles)`;
    if (!this.embedded) return void (await withPg(this.databaseUrl, (db) => db.query(sql, [username])));
    // PGlite allows one process at a time: stop the stack, edit its files, start it again.
    await this.stopChild();
    const { PGlite } = await import('@electric-sql/pglite');
    const db = new PGlite(join(this.dataDir, 'pglite', 'identity'));
    try {
      await db.query(sql, [username]);
    } finally {
      await db.close();
    }
    await this.startChild();
  }

  /** An `x-peerlink-internal` header for calling a subgraph directly as `viewer`, as the gateway would. */
  async internalHeader(viewer) {
    const token = await signInternalToken(this.secrets.internal, { viewer, client: { ip: HOST, userAgent: 'peerlink-bench' } });
    return { [INTERNAL_TOKEN_HEADER]: token };
  }

  /** Gateway /metrics as series → value; a labelled series keeps its labels, e.g. `x_count{kind="major"}`. */
  async metrics() {
    const text = await (await fetch(`http://${HOST}:${this.port}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const values = {};
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) ([-+\d.eE]+|NaN)$/.exec(line);
      if (match) values[match[1]] = Number(match[2]);
    }
    return values;
  }

  /** How many of `userIds` notifications knows as recipients; null in embedded mode (the stack holds PGlite). */
  async recipientCount(userIds) {
    if (this.embedded) return null;
    const { rows } = await withPg(this.databaseUrl, (db) => db.query('select count(*)::int as n from notifications.recipients where user_id = any($1::uuid[])', [userIds]));
    return rows[0].n;
  }

  async stop() {
    await this.stopChild().catch((error) => console.error(`bench: stopping the stack: ${error.message}`));
    await this.removeNamespace().catch((error) => console.error(`bench: removing ${this.namespace}: ${error.message}`));
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Last lines the child printed, for error messages. */
  tail() {
    return this.output.join('').split('\n').slice(-20).join('\n');
  }

  env() {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      HOST,
      PORT: String(this.port),
      DATA_DIR: this.dataDir,
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      JWT_SECRET: this.secrets.jwt,
      INTERNAL_SECRET: this.secrets.internal,
      EVENT_NAMESPACE: this.namespace,
    };
    if (!this.embedded) Object.assign(env, { DATABASE_URL: this.databaseUrl, NATS_URL: SERVICES.nats, REDIS_URL: SERVICES.redis });
    return env;
  }

  async startChild() {
    this.output = [];
    // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", is for profiling the stack.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'launcher/dist/main.js')], { cwd: ROOT, env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const keep = (chunk) => {
      this.output.push(String(chunk));
      if (this.output.length > 200) this.output.splice(0, 100);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);

    let exited = null;
    void this.exited.then((status) => (exited = status));
    await waitFor(
      'the gateway to be ready (GET /readyz)',
      async () => {
        if (exited) throw new Error(`the stack exited (${JSON.stringify(exited)}):\n${this.tail()}`);
        const response = await fetch(`http://${HOST}:${this.port}/readyz`, { signal: AbortSignal.timeout(3000) });
        return response.ok;
      },
      90_000,
      250,
    ).catch((error) => {
      throw new Error(`${error.message}\n${this.tail()}`);
    });
    this.subgraphs = await this.findSubgraphs();
  }

  /** The subgraphs listen on random loopback ports; each says who it is through `_service { sdl }`. */
  async findSubgraphs() {
    const header = await this.internalHeader(null);
    const found = {};
    for (const port of listeningPorts(this.child.pid).filter((p) => p !== this.port)) {
      const url = `http://${HOST}:${port}/graphql`;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...header },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
        signal: AbortSignal.timeout(5000),
      }).catch(() => null);
      const sdl = response?.ok ? (await response.json()).data?._service?.sdl ?? '' : '';
      if (/\bnotificationAdded\b/.test(sdl)) found.notifications = url;
      else if (/\bregister\(/.test(sdl)) found.identity = url;
    }
    if (!found.identity || !found.notifications) throw new Error(`could not find both subgraphs among the stack's ports: ${JSON.stringify(found)}`);
    return found;
  }

  async stopChild() {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Drops the database, the JetStream streams and the Redis keys of this run's namespace. */
  async removeNamespace() {
    if (this.embedded) return;
    const { NatsEventBus } = await import('@peerlink/platform/events/nats-event-bus');
    const { createLogger } = await import('@peerlink/platform/logger');
    const bus = await NatsEventBus.connect(SERVICES.nats, this.namespace, { maxAttempts: 1, baseDelayMs: 1 }, createLogger({ level: 'silent', service: 'bench' }));
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
      await withPg(`${SERVICES.postgres}/postgres`, (db) => db.query(`drop database if exists ${this.namespace} with (force)`));
    }
  }

  /** Last resort on an abrupt exit: never leave the stack running. */
  killNow() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

async function withPg(connectionString, work) {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000, query_timeout: 60_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function runScript(file, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file], { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${file} failed (${code ?? signal})`));
    });
  });
}
