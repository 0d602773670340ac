import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { generateKeyPairPem, readSigningKeys, type SigningKeys } from './auth/keys.js';
import { EVENT_RETENTION_DAYS } from './events/event-bus.js';

/**
 * Every environment variable PeerLink reads, validated in one place. An unset optional URL selects
 * the embedded adapter (PGlite, in-process bus, memory cache, mail to files), so no configuration
 * runs the whole supergraph on one machine.
 */
const optionalUrl = (protocols: string[]) =>
  z
    .string()
    .trim()
    .transform((v) => v || undefined)
    .pipe(
      z
        .url()
        .refine((v) => protocols.some((p) => v.startsWith(`${p}:`)), `must start with ${protocols.map((p) => p + '://').join(' or ')}`)
        .optional(),
    )
    .optional();

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const key = z.string().trim().min(1).optional();

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  SERVICE: z.string().default('all'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: optionalUrl(['http', 'https']),
  DATA_DIR: z.string().default('.data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  /** PostgreSQL cancels any one statement of a running subgraph after this long: a backstop for work nobody waits for any more. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  NATS_URL: optionalUrl(['nats', 'tls']),
  REDIS_URL: optionalUrl(['redis', 'rediss']),
  SMTP_URL: optionalUrl(['smtp', 'smtps']),
  MAIL_FROM: z.string().default('PeerLink <no-reply@peerlink.local>'),
  SMS_WEBHOOK_URL: optionalUrl(['http', 'https']),

  ACCESS_TOKEN_PRIVATE_KEY: key,
  ACCESS_TOKEN_PUBLIC_KEY: key,
  GATEWAY_PRIVATE_KEY: key,
  GATEWAY_PUBLIC_KEY: key,
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).default(30 * 24 * 3600),

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
    .min(EVENT_RETENTION_DAYS, `at least ${EVENT_RETENTION_DAYS}: JetStream keeps events, and may deliver them again, for ${EVENT_RETENTION_DAYS} days`)
    .max(3650)
    .default(EVENT_RETENTION_DAYS),

  /** A call to an outside service (payment provider, mail, SMS) not answered within this is left for the sweeper to ask again. */
  OUTSIDE_CALL_DEADLINE_MS: z.coerce.number().int().min(100).max(600_000).default(20_000),
  /** How often each process looks for outside calls left behind (no answer in time, or a crash before it was recorded). */
  OUTSIDE_CALL_SWEEP_MS: z.coerce.number().int().min(50).max(600_000).default(5_000),
  /** Tries of one outside call, the first included, before it is given up. */
  OUTSIDE_CALL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(10),
  /** Days a finished outside call's row is kept (what was asked, what came back) before it is pruned. */
  OUTSIDE_CALL_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(30),

  /** Posts kept per home timeline in the cache; older pages are read from the database. */
  FEED_TIMELINE_LENGTH: z.coerce.number().int().min(20).max(10_000).default(800),
  /** Accounts with more followers are merged into feeds at read time rather than fanned out. */
  FEED_FANOUT_MAX_FOLLOWERS: z.coerce.number().int().min(1).default(10_000),

  /** Where clients reach the gateway's /files (local storage's signed URLs); by default the origin they called. */
  FILES_PUBLIC_URL: optionalUrl(['http', 'https']),
  /** Signs local storage URLs; needed when several drive processes serve one store. Random per process otherwise. */
  FILE_URL_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /** A bucket selects S3 storage in place of local files; S3_ENDPOINT points it at MinIO or another S3-compatible server. */
  S3_BUCKET: z.string().trim().min(1).optional(),
  S3_ENDPOINT: optionalUrl(['http', 'https']),
  S3_REGION: z.string().trim().min(1).default('us-east-1'),
  S3_ACCESS_KEY_ID: key,
  S3_SECRET_ACCESS_KEY: key,
  /** `endpoint/bucket/key` URLs; by default on when S3_ENDPOINT is set, as self-hosted servers usually need. */
  S3_FORCE_PATH_STYLE: flag.optional(),
  DRIVE_QUOTA_BYTES: z.coerce.number().int().min(0).default(1024 ** 3),
  DRIVE_MAX_FILE_BYTES: z.coerce.number().int().min(1).default(256 * 1024 ** 2),
  /** Days a deleted file stays in the trash (restorable, still counted against the quota) before it is purged. */
  DRIVE_TRASH_DAYS: z.coerce.number().int().min(1).max(3650).default(30),

  /** An announcement whose sender committed no batch for this long is taken over by another sweep (a crashed sender). */
  ANNOUNCEMENT_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** How often each notifications process looks for announcements to take over. */
  ANNOUNCEMENT_SWEEP_MS: z.coerce.number().int().min(50).max(600_000).default(2_000),
  /** Tries (the first send included) without a committed batch after which an announcement is left FAILED, not retried forever. */
  ANNOUNCEMENT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),

  /** A chat message nobody's device received within this many seconds becomes a notification. */
  CHAT_MISSED_AFTER_SECONDS: z.coerce.number().min(0.1).max(3600).default(15),

  /** Payments go through Stripe when set (`sk_test_…` or `sk_live_…`); the in-process sandbox otherwise. */
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_(test|live)_/, 'a Stripe secret or restricted key (sk_… or rk_…)').optional(),
  /** Stripe's API origin; only tests point it elsewhere (at a local server that speaks Stripe's API). */
  STRIPE_API_BASE: optionalUrl(['http', 'https']),
  /** Signs Stripe's webhook deliveries to POST /webhooks/stripe (`whsec_…`, from Stripe's dashboard or CLI). */
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_/, 'a Stripe webhook signing secret (whsec_…)').optional(),
  /** Signs Stripe's deliveries of Connect events (sellers' payout accounts) when they come from a separate Connect endpoint. */
  STRIPE_CONNECT_WEBHOOK_SECRET: z.string().regex(/^whsec_/, 'a Stripe webhook signing secret (whsec_…)').optional(),
  /** One HTTP request to Stripe gives up after this (the SDK retries once more, under the same idempotency key). */
  STRIPE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(8_000),
  /** Where buyers land after 3-D Secure; defaults to PUBLIC_URL + /payments/return. */
  STRIPE_RETURN_URL: optionalUrl(['http', 'https']),
  /** Sandbox only: the length of every plan's billing period, so renewals can be watched in seconds rather than months. */
  SANDBOX_BILLING_PERIOD_SECONDS: z.coerce.number().int().min(1).max(366 * 24 * 3600).optional(),

  /** The platform's cut of each sale paid out to a seller: a percentage, 0 to 100, to the basis point (e.g. 10 or 2.9). */
  PLATFORM_FEE_PERCENT: z.coerce
    .number()
    .min(0)
    .max(100)
    .refine((v) => Math.abs(v * 100 - Math.round(v * 100)) < 1e-9, 'at most two decimals (whole basis points)')
    .default(10),

  /** An order still unpaid after this many seconds is cancelled and its stock goes back on sale. */
  ORDER_PAYMENT_SECONDS: z.coerce.number().min(1).max(7 * 24 * 3600).default(30 * 60),
  /** A seller who has not answered a return request after this many seconds may see it escalated to admins by the buyer. */
  RETURN_ANSWER_SECONDS: z.coerce.number().min(0).max(90 * 24 * 3600).default(3 * 24 * 3600),

  SUPERGRAPH_PATH: z.string().default('schema/supergraph.graphql'),
  SUBGRAPH_URLS: z.string().default(''),
  INTROSPECTION: flag.default(true),
  /** Lets @apollo/gateway send Apollo its anonymous usage metrics (and probe cloud metadata servers to label them). Off: a self-hosted server phones nobody. */
  APOLLO_TELEMETRY: flag.default(false),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
  MAX_QUERY_FIELDS: z.coerce.number().int().min(1).default(250),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(30),
  MAX_INTROSPECTION_COST: z.coerce.number().int().min(0).default(50_000),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(100).default(10_000),
  /** The most an operation may cost: each field 1, a list's fields once per item it may return (gateway/src/query-cost.ts). 0: no limit. */
  MAX_QUERY_COST: z.coerce.number().int().min(0).default(10_000),
  /** Directives (@include, @skip...) an operation may use, fragments expanded. */
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_000_000),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Open connections the gateway keeps to each subgraph at most; a burst queues for them instead of opening thousands. */
  SUBGRAPH_MAX_SOCKETS: z.coerce.number().int().min(1).default(128),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(50),
  MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(500),
  /** Live subscriptions one user may hold across all their connections (tabs, devices). */
  MAX_SUBSCRIPTIONS_PER_USER: z.coerce.number().int().min(1).default(200),
  /** Live subscriptions one client address may hold, whoever is signed in (set TRUST_PROXY behind a proxy). */
  MAX_SUBSCRIPTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(1000),
  TRUST_PROXY: z.string().default('loopback'),
  /** Origins whose pages may call /graphql and /files: exact origins, comma-separated, or `*` for every origin. */
  CORS_ORIGINS: z.string().trim().optional(),
  /** Lets cross-origin pages send cookies (Access-Control-Allow-Credentials); the API reads none, so only a cookie-based proxy in front needs it. */
  CORS_CREDENTIALS: flag.default(false),
  /** Events that may wait for a subscriber that has read nothing for SUBSCRIPTION_STALL_MS; one more ends it with EVENTS_DROPPED. */
  SUBSCRIPTION_QUEUE_SIZE: z.coerce.number().int().min(1).default(100),
  SUBSCRIPTION_STALL_MS: z.coerce.number().int().min(1).default(5000),
  /** A subscription resumed from a cursor gets the events it missed if the oldest is at most this old (up to the stream's 7 days)... */
  SUBSCRIPTION_RESUME_WINDOW_MS: z.coerce.number().int().min(1).max(7 * 24 * 3600_000).default(300_000),
  /** ...and they number at most this many events of its subscription's kind; otherwise RESUME_WINDOW_EXCEEDED. */
  SUBSCRIPTION_RESUME_MAX_EVENTS: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** Live events' lookups sent to one subgraph in one request at most; 0 sends each on its own. */
  LIVE_LOOKUP_BATCH_SIZE: z.coerce.number().int().min(0).max(1000).default(200),
  /** How long a live lookup waits for others to share its batch. */
  LIVE_LOOKUP_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(1000).default(3),
  /** Batches of live lookups on their way to one subgraph at once. */
  LIVE_LOOKUP_BATCHES_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(4),
});

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  /** Identity signs access tokens; the gateway verifies them. */
  accessTokenKeys?: SigningKeys;
  /** The gateway signs internal tokens; subgraphs verify them. */
  gatewayKeys?: SigningKeys;
  publicUrl: string;
  /** Subgraph name to URL, for a gateway whose subgraphs run as their own processes. */
  subgraphUrls: Record<string, string>;
  cors: CorsPolicy;
}

/** Which other origins' pages may call the API from a browser. */
export interface CorsPolicy {
  /** Exact origins (`https://app.example.com`), or `*` for every origin. */
  origins: string[] | '*';
  /** Any port of http(s)://localhost, 127.0.0.1 and [::1]: embedded mode's default, for a local dev server. */
  localhost: boolean;
  credentials: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and validates the environment once, reporting every bad variable together. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable is an unset one (docker compose passes `${STRIPE_SECRET_KEY:-}` as "").
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, value]) => value !== '')));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const values = parsed.data;
  const problems: string[] = [];

  const subgraphUrls: Record<string, string> = {};
  for (const pair of values.SUBGRAPH_URLS.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, url] = pair.split('=');
    if (!name || !url || !URL.canParse(url)) problems.push(`SUBGRAPH_URLS: "${pair}" is not name=http://host:port/graphql`);
    else subgraphUrls[name.trim()] = url.trim();
  }

  // One process keeps generated keys in DATA_DIR; separate processes are given theirs.
  const all = values.SERVICE === 'all';
  const generated = all ? generatedKeys(values.DATA_DIR) : undefined;
  const accessTokenKeys = readKeys(problems, 'ACCESS_TOKEN', {
    privateKey: values.ACCESS_TOKEN_PRIVATE_KEY ?? generated?.accessToken.privateKey,
    // A private key given without its public half: derive it, never pair it with a generated one.
    publicKey: values.ACCESS_TOKEN_PUBLIC_KEY ?? (values.ACCESS_TOKEN_PRIVATE_KEY ? undefined : generated?.accessToken.publicKey),
  });
  const gatewayKeys = readKeys(problems, 'GATEWAY', {
    privateKey: values.GATEWAY_PRIVATE_KEY ?? generated?.gateway.privateKey,
    publicKey: values.GATEWAY_PUBLIC_KEY ?? (values.GATEWAY_PRIVATE_KEY ? undefined : generated?.gateway.publicKey),
  });
  if (values.SERVICE === 'gateway') {
    if (!accessTokenKeys) problems.push('ACCESS_TOKEN_PUBLIC_KEY: required by the gateway');
    if (!gatewayKeys?.privateKey) problems.push('GATEWAY_PRIVATE_KEY: required by the gateway');
  } else if (!all && values.SERVICE !== 'migrate' && !gatewayKeys) {
    problems.push('GATEWAY_PUBLIC_KEY: required by every subgraph');
  }
  if (values.ANNOUNCEMENT_SWEEP_MS >= values.ANNOUNCEMENT_LEASE_MS) {
    problems.push('ANNOUNCEMENT_SWEEP_MS: must be shorter than ANNOUNCEMENT_LEASE_MS (a stopped sender is looked for within each lease)');
  }
  // A handler still waiting on an outside call when its event is redelivered would run twice at once.
  if (values.OUTSIDE_CALL_DEADLINE_MS >= values.EVENT_ACK_WAIT_MS) {
    problems.push('OUTSIDE_CALL_DEADLINE_MS: must be shorter than EVENT_ACK_WAIT_MS (an event must not be redelivered while its handler waits on an outside call)');
  }
  // Stripe's SDK tries twice (one retry): both fit in the deadline, or the second try is always cut short.
  if (2 * values.STRIPE_TIMEOUT_MS > values.OUTSIDE_CALL_DEADLINE_MS) {
    problems.push('STRIPE_TIMEOUT_MS: at most half of OUTSIDE_CALL_DEADLINE_MS (a request and its one retry fit in the deadline)');
  }
  if (values.S3_BUCKET) {
    if (!values.S3_ACCESS_KEY_ID) problems.push('S3_ACCESS_KEY_ID: required when S3_BUCKET is set');
    if (!values.S3_SECRET_ACCESS_KEY) problems.push('S3_SECRET_ACCESS_KEY: required when S3_BUCKET is set');
  }
  const cors = corsPolicy(problems, values, all && !values.DATABASE_URL);
  if (problems.length) throw new ConfigError(problems);

  return {
    ...values,
    accessTokenKeys,
    gatewayKeys,
    publicUrl: values.PUBLIC_URL ?? `http://localhost:${values.PORT}`,
    subgraphUrls,
    cors,
  };
}

/**
 * CORS_ORIGINS as a policy. Exact origins only (a browser's Origin header is compared as a string),
 * and `*` never with credentials. Unset, embedded mode (one process, no DATABASE_URL: a developer's
 * machine) lets local dev servers in; any other deployment lets no other origin in until listed.
 */
function corsPolicy(problems: string[], values: Env, embedded: boolean): CorsPolicy {
  const credentials = values.CORS_CREDENTIALS;
  const listed = (values.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (listed.includes('*')) {
    if (listed.length > 1) problems.push('CORS_ORIGINS: `*` stands alone, not in a list');
    if (credentials) problems.push('CORS_ORIGINS: `*` cannot be used with CORS_CREDENTIALS=true; list the origins');
    return { origins: '*', localhost: false, credentials };
  }
  for (const origin of listed) {
    const url = URL.canParse(origin) ? new URL(origin) : null;
    // URL accepts `*` in a host; an Origin header never has one.
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== origin || !/^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname)) {
      const hint = url && url.origin !== origin && ['http:', 'https:'].includes(url.protocol) ? ` (did you mean "${url.origin}"?)` : '';
      problems.push(`CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com (scheme, host and port only, lowercase, no path)${hint}`);
    }
  }
  return { origins: listed, localhost: embedded && values.CORS_ORIGINS === undefined, credentials };
}

function readKeys(problems: string[], prefix: string, keys: { privateKey?: string; publicKey?: string }): SigningKeys | undefined {
  try {
    return readSigningKeys(keys);
  } catch (error) {
    problems.push(`${prefix}_PRIVATE_KEY / ${prefix}_PUBLIC_KEY: not a usable Ed25519 key (${(error as Error).message})`);
    return undefined;
  }
}

/** For a process's entry point: a bad configuration prints every problem and exits, without a stack trace. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

interface KeyFile {
  accessToken: { privateKey: string; publicKey: string };
  gateway: { privateKey: string; publicKey: string };
}

function generatedKeys(dataDir: string): KeyFile {
  const file = join(resolve(dataDir), 'keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  const keys: KeyFile = { accessToken: generateKeyPairPem(), gateway: generateKeyPairPem() };
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  return keys;
}
