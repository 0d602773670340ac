import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

// Every slice validates with the same library, through the platform (which declares it).
export { z };
import { generateKeyPairPem, readSigningKeys, type SigningKeys } from './auth/keys.js';
import { EVENT_RETENTION_DAYS } from './events/event-bus.js';

/**
 * The platform's slice of the environment: what every process needs (database, bus, cache, storage,
 * mail, SMS, keys, events, outside calls). Each service reads its own variables in its own slice
 * (ConfigSlice below: the gateway's gateway/src/config.ts, a subgraph's beside its code). An unset
 * optional URL selects the embedded adapter (PGlite, in-process bus, memory cache, mail to files),
 * so no configuration runs the whole supergraph on one machine.
 */
export const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .transform((v) => v || undefined)
    .pipe(
      z
        .url()
        .refine(
          (v) => protocols.some((p) => v.startsWith(`${p}:`)),
          `must start with ${protocols.map((p) => p + '://').join(' or ')}`,
        )
        .optional(),
    )
    .optional();

export const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const key = z.string().trim().min(1).optional();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SERVICE: z.string().default('all'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: optionalUrl(['http', 'https']),
  DATA_DIR: z.string().default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  /**
   * PostgreSQL cancels any one statement of a running subgraph after this long: a backstop for work nobody waits for
   * any more.
   */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  /**
   * Connections each subgraph's pool may hold (DATABASE_URL only). Every subgraph of every process has its own pool,
   * and PostgreSQL's max_connections (100 by default) must cover them all.
   */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  NATS_URL: optionalUrl(['nats', 'tls']),
  REDIS_URL: optionalUrl(['redis', 'rediss']),
  SMTP_URL: optionalUrl(['smtp', 'smtps']),
  MAIL_FROM: z.string().default('PeerLink <no-reply@peerlink.local>'),
  SMS_WEBHOOK_URL: optionalUrl(['http', 'https']),
  /**
   * Where traces go over OTLP/HTTP (an OpenTelemetry collector, Jaeger, Tempo: http://collector:4318); unset, no
   * trace is kept. The exporter also reads the other OTEL_EXPORTER_OTLP_* variables (headers, timeout).
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl(['http', 'https']),

  ACCESS_TOKEN_PRIVATE_KEY: key,
  ACCESS_TOKEN_PUBLIC_KEY: key,
  GATEWAY_PRIVATE_KEY: key,
  GATEWAY_PUBLIC_KEY: key,
  ASSISTANT_PRIVATE_KEY: key,
  ASSISTANT_PUBLIC_KEY: key,

  EVENT_NAMESPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/, 'lowercase letters, digits and underscores, starting with a letter')
    .default('peerlink'),
  EVENT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  EVENT_RETRY_BASE_MS: z.coerce.number().int().min(1).default(1000),
  /** Events of one name each consumer handles at once, per process. */
  EVENT_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
  /** An event a consumer has not acknowledged within this is delivered again (JetStream's ack wait). */
  EVENT_ACK_WAIT_MS: z.coerce.number().int().min(1000).max(3_600_000).default(60_000),
  /**
   * Days a consumer remembers an event it processed (its inbox row), then forgets it. JetStream can
   * deliver an event again for as long as it keeps it (a redelivery, a consumer started over), so
   * a shorter memory would let such a copy run twice: nothing below that is accepted. A replayed
   * dead letter needs no memory: its consumer's failed handler committed nothing.
   */
  EVENT_INBOX_RETENTION_DAYS: z.coerce
    .number()
    .min(
      EVENT_RETENTION_DAYS,
      `at least ${EVENT_RETENTION_DAYS}: JetStream keeps events, and may deliver them again, for ` +
        `${EVENT_RETENTION_DAYS} days`,
    )
    .max(3650)
    .default(EVENT_RETENTION_DAYS),

  /**
   * A call to an outside service (payment provider, mail, SMS) not answered within this is left for the sweeper to ask
   * again.
   */
  OUTSIDE_CALL_DEADLINE_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  /**
   * How often each process looks for outside calls left behind (no answer in time, or a crash before it was recorded).
   */
  OUTSIDE_CALL_SWEEP_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  /** Tries of one outside call, the first included, before it is given up. */
  OUTSIDE_CALL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  /** Days a finished outside call's row is kept (what was asked, what came back) before it is pruned. */
  OUTSIDE_CALL_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(30),

  /** Where clients reach the gateway's /files (local storage's signed URLs); by default the origin they called. */
  FILES_PUBLIC_URL: optionalUrl(['http', 'https']),
  /** Signs local storage URLs; needed when several drive processes serve one store. Random per process otherwise. */
  FILE_URL_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /**
   * A bucket selects S3 storage in place of local files; S3_ENDPOINT points it at MinIO or another S3-compatible
   * server.
   */
  S3_BUCKET: z.string().trim().min(1).optional(),
  S3_ENDPOINT: optionalUrl(['http', 'https']),
  S3_REGION: z.string().trim().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: key,
  S3_SECRET_ACCESS_KEY: key,
  /** `endpoint/bucket/key` URLs; by default on when S3_ENDPOINT is set, as self-hosted servers usually need. */
  S3_FORCE_PATH_STYLE: flag.optional(),
  /** The largest request body the gateway and each subgraph accept. */
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
  /** How long the gateway waits for a subgraph, and a subgraph works on a request nobody may still be waiting for. */
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  /** Identity signs access tokens; the gateway verifies them. */
  accessTokenKeys?: SigningKeys;
  /** The gateway signs internal tokens; subgraphs verify them. */
  gatewayKeys?: SigningKeys;
  /** The assistant signs delegation tokens (auth/delegation-token.ts); the gateway verifies them. */
  assistantKeys?: SigningKeys;
  publicUrl: string;
  /** One process, no DATABASE_URL: a developer's machine, where every adapter is the embedded one. */
  embedded: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * One service's own variables, read beside the platform's (whose settings its checks may use).
 * Throws ConfigError naming every bad variable.
 */
export type ConfigSlice<T> = (env: NodeJS.ProcessEnv, platform: Config) => T;

/**
 * Validates the variables of one slice against its schema, then the checks that span several of
 * them; every problem is reported together. `isSet` tells a variable given from one left to its
 * default. An empty variable is an unset one (docker compose passes `${STRIPE_SECRET_KEY:-}` as "").
 */
export function readSlice<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv,
  checks: (values: z.output<S>, isSet: (name: string) => boolean) => string[] = () => [],
): z.output<S> {
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(given);
  if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const problems = checks(parsed.data, (name) => name in given);
  if (problems.length) throw new ConfigError(problems);
  return parsed.data;
}

/** `names` make sense only beside `needed`: each one set without it is a problem. */
export function onlyWith(isSet: (name: string) => boolean, needed: string, names: string[], why: string): string[] {
  return isSet(needed) ? [] : names.filter(isSet).map((name) => `${name}: set without ${needed}, ${why}`);
}

/** Reads and validates the platform's variables, reporting every bad one together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values = readSlice(envSchema, env, platformContradictions);
  const problems: string[] = [];

  // One process keeps generated keys in DATA_DIR; separate processes are given theirs.
  const all = values.SERVICE === 'all';
  const generated = all ? generatedKeys(values.DATA_DIR) : undefined;
  const accessTokenKeys = readKeys(problems, 'ACCESS_TOKEN', {
    privateKey: values.ACCESS_TOKEN_PRIVATE_KEY ?? generated?.accessToken.privateKey,
    // A private key given without its public half: derive it, never pair it with a generated one.
    publicKey:
      values.ACCESS_TOKEN_PUBLIC_KEY ??
      (values.ACCESS_TOKEN_PRIVATE_KEY ? undefined : generated?.accessToken.publicKey),
  });
  const gatewayKeys = readKeys(problems, 'GATEWAY', {
    privateKey: values.GATEWAY_PRIVATE_KEY ?? generated?.gateway.privateKey,
    publicKey: values.GATEWAY_PUBLIC_KEY ?? (values.GATEWAY_PRIVATE_KEY ? undefined : generated?.gateway.publicKey),
  });
  const assistantKeys = readKeys(problems, 'ASSISTANT', {
    privateKey: values.ASSISTANT_PRIVATE_KEY ?? generated?.assistant.privateKey,
    publicKey:
      values.ASSISTANT_PUBLIC_KEY ?? (values.ASSISTANT_PRIVATE_KEY ? undefined : generated?.assistant.publicKey),
  });
  if (values.SERVICE === 'assistant' && !assistantKeys?.privateKey)
    problems.push('ASSISTANT_PRIVATE_KEY: required by the assistant, which calls the gateway for its users');
  if (values.SERVICE === 'gateway') {
    if (!accessTokenKeys) problems.push('ACCESS_TOKEN_PUBLIC_KEY: required by the gateway');
    if (!gatewayKeys?.privateKey) problems.push('GATEWAY_PRIVATE_KEY: required by the gateway');
  } else if (!all && values.SERVICE !== 'migrate' && !gatewayKeys) {
    problems.push('GATEWAY_PUBLIC_KEY: required by every subgraph');
  }
  if (problems.length) throw new ConfigError(problems);

  return {
    ...values,
    accessTokenKeys,
    gatewayKeys,
    assistantKeys,
    publicUrl: values.PUBLIC_URL ?? `http://localhost:${values.PORT}`,
    embedded: all && !values.DATABASE_URL,
  };
}

/** Settings that contradict each other: refused, rather than one of them silently ignored. */
function platformContradictions(values: Env, isSet: (name: string) => boolean): string[] {
  const problems: string[] = [];
  // A handler still waiting on an outside call when its event is redelivered would run twice at once.
  if (values.OUTSIDE_CALL_DEADLINE_MS >= values.EVENT_ACK_WAIT_MS) {
    problems.push(
      'OUTSIDE_CALL_DEADLINE_MS: must be shorter than EVENT_ACK_WAIT_MS (an event must not be redelivered ' +
        'while its handler waits on an outside call)',
    );
  }
  problems.push(
    ...onlyWith(
      isSet,
      'NATS_URL',
      ['EVENT_CONCURRENCY', 'EVENT_ACK_WAIT_MS'],
      'which selects the NATS bus (the in-process bus has no such setting)',
    ),
  );
  if (values.S3_BUCKET) {
    if (!values.S3_ACCESS_KEY_ID) problems.push('S3_ACCESS_KEY_ID: required when S3_BUCKET is set');
    if (!values.S3_SECRET_ACCESS_KEY) problems.push('S3_SECRET_ACCESS_KEY: required when S3_BUCKET is set');
    // S3 signs its own URLs.
    if (isSet('FILE_URL_SECRET'))
      problems.push('FILE_URL_SECRET: signs local storage URLs; it has no use with S3_BUCKET');
  }
  problems.push(
    ...onlyWith(
      isSet,
      'S3_BUCKET',
      ['S3_ENDPOINT', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_FORCE_PATH_STYLE'],
      'which selects S3 storage (files are stored locally without it)',
    ),
  );
  if (values.SMTP_URL) {
    const { username, password } = new URL(values.SMTP_URL);
    if (Boolean(username) !== Boolean(password))
      problems.push('SMTP_URL: give both a user and a password (smtp://user:password@host), or neither');
  }
  return problems;
}

function readKeys(
  problems: string[],
  prefix: string,
  keys: { privateKey?: string; publicKey?: string },
): SigningKeys | undefined {
  try {
    return readSigningKeys(keys);
  } catch (error) {
    problems.push(
      `${prefix}_PRIVATE_KEY / ${prefix}_PUBLIC_KEY: not a usable Ed25519 key (${(error as Error).message})`,
    );
    return undefined;
  }
}

/** For a process's entry point: a bad configuration prints every problem and exits, without a stack trace. */
export function orExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  return orExit(() => loadConfig(env));
}

/**
 * The platform's settings and every given slice's, each slice's problems added to the others', so a
 * process starts with all of them valid or not at all. Slices build on the platform's settings: they
 * are read once those are valid.
 */
export function loadSlices<Slices extends Record<string, ConfigSlice<unknown>>>(
  env: NodeJS.ProcessEnv,
  platform: Config,
  slices: Slices,
): { [Name in keyof Slices]: ReturnType<Slices[Name]> } {
  const problems: string[] = [];
  const loaded: Record<string, unknown> = {};
  for (const [name, slice] of Object.entries(slices)) {
    try {
      loaded[name] = slice(env, platform);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return loaded as { [Name in keyof Slices]: ReturnType<Slices[Name]> };
}

interface KeyFile {
  accessToken: { privateKey: string; publicKey: string };
  gateway: { privateKey: string; publicKey: string };
  assistant: { privateKey: string; publicKey: string };
}

function generatedKeys(dataDir: string): KeyFile {
  const file = join(resolve(dataDir), 'keys.json');
  const existing: Partial<KeyFile> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  // A DATA_DIR from before a kind of key existed gets that one added; keys in use are kept.
  const keys: KeyFile = {
    accessToken: existing.accessToken ?? generateKeyPairPem(),
    gateway: existing.gateway ?? generateKeyPairPem(),
    assistant: existing.assistant ?? generateKeyPairPem(),
  };
  if (Object.keys(existing).length === Object.keys(keys).length) return keys;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}
