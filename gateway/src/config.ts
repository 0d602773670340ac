import { flag, readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

/** The gateway's own variables: the supergraph it serves, what clients may ask of it, and from where. */
const gatewaySchema = z.object({
  SUPERGRAPH_PATH: z.string().default('schema/supergraph.graphql'),
  SUBGRAPH_URLS: z.string().default(''),
  INTROSPECTION: flag.default(true),
  /**
   * Lets @apollo/gateway send Apollo its anonymous usage metrics (and probe cloud metadata servers to label them). Off:
   * a self-hosted server phones nobody.
   */
  APOLLO_TELEMETRY: flag.default(false),
  MAX_QUERY_DEPTH: z.coerce.number().int().min(1).default(12),
  MAX_QUERY_FIELDS: z.coerce.number().int().min(1).default(250),
  MAX_QUERY_ALIASES: z.coerce.number().int().min(0).default(30),
  MAX_INTROSPECTION_COST: z.coerce.number().int().min(0).default(50_000),
  MAX_QUERY_TOKENS: z.coerce.number().int().min(100).default(10_000),
  /**
   * The most an operation may cost: each field 1, a list's fields once per item it may return
   * (gateway/src/query-cost.ts). 0: no limit.
   */
  MAX_QUERY_COST: z.coerce.number().int().min(0).default(10_000),
  /** Directives (@include, @skip...) an operation may use, fragments expanded. */
  MAX_QUERY_DIRECTIVES: z.coerce.number().int().min(0).default(50),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  /**
   * Open connections the gateway keeps to each subgraph at most; a burst queues for them instead of opening thousands.
   */
  SUBGRAPH_MAX_SOCKETS: z.coerce.number().int().min(1).default(128),
  MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(50),
  MAX_CONNECTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(500),
  /** Live subscriptions one user may hold across all their connections (tabs, devices). */
  MAX_SUBSCRIPTIONS_PER_USER: z.coerce.number().int().min(1).default(200),
  /** Live subscriptions one client address may hold, whoever is signed in (set TRUST_PROXY behind a proxy). */
  MAX_SUBSCRIPTIONS_PER_ADDRESS: z.coerce.number().int().min(1).default(1000),
  TRUST_PROXY: z.string().default('loopback'),
  /** Origins whose pages may call /graphql, /files and /media: exact origins, comma-separated, or `*` for all. */
  CORS_ORIGINS: z.string().trim().optional(),
  /**
   * Lets cross-origin pages send cookies (Access-Control-Allow-Credentials); the API reads none, so only a cookie-based
   * proxy in front needs it.
   */
  CORS_CREDENTIALS: flag.default(false),
  /**
   * Events that may wait for a subscriber that has read nothing for SUBSCRIPTION_STALL_MS; one more ends it with
   * EVENTS_DROPPED.
   */
  SUBSCRIPTION_QUEUE_SIZE: z.coerce.number().int().min(1).default(100),
  SUBSCRIPTION_STALL_MS: z.coerce.number().int().min(1).default(5000),
  /**
   * A subscription resumed from a cursor gets the events it missed if the oldest is at most this old (up to the
   * stream's 7 days)...
   */
  SUBSCRIPTION_RESUME_WINDOW_MS: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600_000)
    .default(300_000),
  /** ...and they number at most this many events of its subscription's kind; otherwise RESUME_WINDOW_EXCEEDED. */
  SUBSCRIPTION_RESUME_MAX_EVENTS: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** Live events' lookups sent to one subgraph in one request at most; 0 sends each on its own. */
  LIVE_LOOKUP_BATCH_SIZE: z.coerce.number().int().min(0).max(1000).default(200),
  /** How long a live lookup waits for others to share its batch. */
  LIVE_LOOKUP_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(1000).default(3),
  /** Batches of live lookups on their way to one subgraph at once. */
  LIVE_LOOKUP_BATCHES_IN_FLIGHT: z.coerce.number().int().min(1).max(64).default(4),
});

export interface GatewayConfig extends z.infer<typeof gatewaySchema> {
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

export const gatewayConfig: ConfigSlice<GatewayConfig> = (env, platform) => {
  let subgraphUrls: Record<string, string> = {};
  let cors: CorsPolicy | undefined;
  const values = readSlice(gatewaySchema, env, (values) => {
    const problems: string[] = [];
    subgraphUrls = parseSubgraphUrls(problems, values.SUBGRAPH_URLS);
    cors = corsPolicy(problems, values, platform.embedded);
    return problems;
  });
  return { ...values, subgraphUrls, cors: cors! };
};

function parseSubgraphUrls(problems: string[], list: string): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const pair of list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const [name, url] = pair.split('=');
    if (!name || !url || !URL.canParse(url))
      problems.push(`SUBGRAPH_URLS: "${pair}" is not name=http://host:port/graphql`);
    else urls[name.trim()] = url.trim();
  }
  return urls;
}

/**
 * CORS_ORIGINS as a policy. Exact origins only (a browser's Origin header is compared as a string),
 * and `*` never with credentials. Unset, embedded mode (one process, no DATABASE_URL: a developer's
 * machine) lets local dev servers in; any other deployment lets no other origin in until listed.
 */
function corsPolicy(
  problems: string[],
  values: { CORS_ORIGINS?: string; CORS_CREDENTIALS: boolean },
  embedded: boolean,
): CorsPolicy {
  const credentials = values.CORS_CREDENTIALS;
  const listed = (values.CORS_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (listed.includes('*')) {
    if (listed.length > 1) problems.push('CORS_ORIGINS: `*` stands alone, not in a list');
    if (credentials) problems.push('CORS_ORIGINS: `*` cannot be used with CORS_CREDENTIALS=true; list the origins');
    return { origins: '*', localhost: false, credentials };
  }
  for (const origin of listed) {
    const url = URL.canParse(origin) ? new URL(origin) : null;
    // URL accepts `*` in a host; an Origin header never has one.
    if (
      !url ||
      !['http:', 'https:'].includes(url.protocol) ||
      url.origin !== origin ||
      !/^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/.test(url.hostname)
    ) {
      const hint =
        url && url.origin !== origin && ['http:', 'https:'].includes(url.protocol)
          ? ` (did you mean "${url.origin}"?)`
          : '';
      problems.push(
        `CORS_ORIGINS: "${origin}" is not an origin like https://app.example.com (scheme, host and port ` +
          `only, lowercase, no path)${hint}`,
      );
    }
  }
  return { origins: listed, localhost: embedded && values.CORS_ORIGINS === undefined, credentials };
}
