import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '@peerlink/launcher/stack';
import { loadStackConfig } from '@peerlink/launcher/config';
import type { NatsEventBus } from '@peerlink/platform/events/nats-event-bus';
import { createLogger } from '@peerlink/platform/logger';
import { RequestContext } from '@mikro-orm/core';
import type { IdentityServices, Role } from '@peerlink/identity';
import { Redis } from 'ioredis';
import pg from 'pg';
import { RegisterDocument } from '../generated/graphql.js';
import { ok } from './client.js';
import { Mailbox } from './mailbox.js';

/** Where the machine's real services are; override to point the suite elsewhere. */
export const services = {
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432',
  nats: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  redis: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
};

export interface TestStack {
  url: string;
  /** Every log line the stack wrote, parsed, when started with `captureLogs`. */
  logs: Record<string, unknown>[];
  stack: Stack;
  mailbox: Mailbox;
  namespace: string;
  databaseUrl: string;
  stop(): Promise<void>;
}

/**
 * The whole supergraph against the real PostgreSQL, NATS and Redis, isolated by a fresh database,
 * a fresh JetStream namespace and a Redis key prefix, all removed by stop(). Spec files each start
 * their own, so they can run in parallel.
 */
export async function startTestStack(
  env: Record<string, string> = {},
  options: { captureLogs?: boolean } = {},
): Promise<TestStack> {
  const namespace = `t${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: `${services.postgres}/postgres` });
  await admin.connect();
  await admin.query(`create database ${namespace}`);
  await admin.end();
  const databaseUrl = `${services.postgres}/${namespace}`;
  const mailbox = await Mailbox.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-test-'));
  const config = loadStackConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    NATS_URL: services.nats,
    REDIS_URL: services.redis,
    SMTP_URL: mailbox.url,
    EVENT_NAMESPACE: namespace,
    EVENT_RETRY_BASE_MS: '50',
    // Two spec files run at once, each with nine subgraphs' pools: together within PostgreSQL's default 100.
    DATABASE_POOL_SIZE: '4',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Watched time reaches analytics within a second, not a minute.
    LEARNING_PROGRESS_ANNOUNCE_SECONDS: '1',
    ...env,
  });
  const logs: Record<string, unknown>[] = [];
  const destination = options.captureLogs ? { write: (line: string) => void logs.push(JSON.parse(line)) } : undefined;
  const level = options.captureLogs ? 'info' : config.platform.LOG_LEVEL;
  const stack = await startStack(config, createLogger({ level, service: 'test', destination }), { migrate: true });
  return {
    url: stack.gateway.url,
    logs,
    stack,
    mailbox,
    namespace,
    databaseUrl,
    async stop() {
      const bus = stack.infrastructure.bus as NatsEventBus;
      await stack.stop();
      await mailbox.close();
      await dropNamespace(namespace, bus);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The whole supergraph on the embedded adapters (PGlite, the in-process bus, a memory cache, local files, mail to
 * files), in this process: what `npm start` runs with no configuration, nothing outside it. The mailbox is
 * started only for TestStack's shape; embedded mail goes to `DATA_DIR/mail`.
 */
export async function startEmbeddedTestStack(env: Record<string, string> = {}): Promise<TestStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-embedded-test-'));
  const mailbox = await Mailbox.start();
  const config = loadStackConfig({
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  const stack = await startStack(config, createLogger({ level: config.platform.LOG_LEVEL, service: 'test' }), {
    migrate: true,
  });
  return {
    url: stack.gateway.url,
    logs: [],
    stack,
    mailbox,
    namespace: '',
    databaseUrl: '',
    async stop() {
      await stack.stop();
      await mailbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function dropNamespace(namespace: string, _bus: NatsEventBus) {
  const { NatsEventBus } = await import('@peerlink/platform/events/nats-event-bus');
  const bus = await NatsEventBus.connect(
    services.nats,
    namespace,
    { maxAttempts: 1, baseDelayMs: 1 },
    createLogger({ level: 'silent', service: 'test' }),
  );
  await bus.destroy();
  const redis = new Redis(services.redis);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 500);
    if (keys.length) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
  const admin = new pg.Client({ connectionString: `${services.postgres}/postgres` });
  await admin.connect();
  await admin.query(`drop database if exists ${namespace} with (force)`);
  await admin.end();
}

let counter = 0;
/** A unique, valid new user for this test run. */
export function newUser(prefix = 'user') {
  const id =
    `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}${Math.random().toString(36).slice(2, 5)}`.slice(
      0,
      30,
    );
  return { email: `${id}@example.com`, username: id, password: 'a long passphrase 42', displayName: `Test ${id}` };
}

/** Gives a user the ADMIN role the way an operator would (the seed's bootstrap). */
export const makeAdmin = (t: TestStack, username: string) => grantRole(t, username, 'ADMIN');

/**
 * Gives a user a role by identity's own path (as the seed's bootstrap does, with no admin signed in):
 * the account and the role ledger both have it, so their current tokens act with it at once.
 */
export async function grantRole(t: TestStack, username: string, role: 'ADMIN' | 'MODERATOR') {
  const identity = t.stack.subgraphs.find((s) => s.name === 'identity')!;
  await RequestContext.create(identity.orm.em, () =>
    (identity.services as IdentityServices).accounts.bootstrapRole(username, role as Role),
  );
}

/** Registers a fresh user through the gateway: their credentials, id and access token. */
export async function signUp(t: TestStack, prefix = 'user') {
  const input = newUser(prefix);
  const { register } = await ok(t.url, RegisterDocument, { input });
  return { ...input, id: register.user.id, token: register.accessToken };
}
