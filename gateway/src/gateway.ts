import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express, { type NextFunction, type Request, type Response } from 'express';
import proxyaddr from 'proxy-addr';
import { GraphQLError, type FormattedExecutionResult } from 'graphql';
import { AccessTokenVerifier, bearerToken } from '@peerlink/platform/auth/access-token';
import { INTERNAL_TOKEN_HEADER, InternalTokenCache } from '@peerlink/platform/auth/internal-token';
import { ROLES_CHANGED, RoleLedger, type RolesChanged } from '@peerlink/platform/auth/role-ledger';
import type { Cache } from '@peerlink/platform/cache/cache';
import { ConfigError, type Config } from '@peerlink/platform/config';
import type { GatewayConfig } from './config.js';
import { formatError } from '@peerlink/platform/errors';
import { closedBeforeAnswered } from '@peerlink/platform/graphql/request-deadline';
import { malformedRequest } from './request-refusals.js';
import { refusedInput } from './subgraph-refusals.js';
import { closeServer } from '@peerlink/platform/http';
import type { EventBus } from '@peerlink/platform/events/event-bus';
import { uuidv7 } from '@peerlink/platform/ids';
import type { Logger } from '@peerlink/platform/logger';
import type { GatewayContext } from './context.js';
import { corsAllows, corsFor } from './cors.js';
import { bearerVerifier, delegatedReadOnly } from './delegation.js';
import { simplePostsRefused } from './csrf.js';
import { explorerRouter } from './explorer.js';
import { graphqlHandler } from './graphql-http.js';
import { adminPageRouter } from './admin-page.js';
import { pagesRouter } from './pages.js';
import { passThrough } from './pass-through.js';
import { SubgraphUnavailableError } from './keep-alive-fetcher.js';
import { RateLimiter, queryLimitsRule } from './limits.js';
import { introspectionAnsweredLocally } from './introspection-plugin.js';
import { queryCostLimit } from './query-cost.js';
import { readLiveFields, readViewerIndependentMarks } from './live/live-fields.js';
import { LiveServer, type LiveSchema } from './live/live-server.js';
import { GatewayMetrics } from './metrics.js';
import { tracedRequests } from '@peerlink/platform/tracing';
import { SubgraphClient } from './subgraph-client.js';
import { withoutSuggestions } from './suggestions.js';
import { supergraphFromFile } from './supergraph.js';
import { answeringUnavailableFields } from './unavailable-answer.js';

export interface GatewayOptions {
  config: Config;
  /** The gateway's own slice of the configuration (config.ts). */
  settings: GatewayConfig;
  logger: Logger;
  bus: EventBus;
  cache: Cache;
  /** Subgraph name to URL; overrides the routing URLs in the supergraph file. */
  subgraphUrls?: Record<string, string>;
  port: number;
  host: string;
}

export interface RunningGateway {
  url: string;
  httpServer: Server;
  live: LiveServer;
  stop(): Promise<void>;
}

const GRAPHQL_PATH = '/graphql';

/**
 * The one endpoint clients use: Apollo Gateway over HTTP, live subscriptions over graphql-ws on the
 * same path, the explorer for browsers, and health, readiness and metrics for operators.
 */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { config, settings, logger, bus, cache } = options;
  const metrics = new GatewayMetrics();
  const signingKey = config.gatewayKeys?.privateKey;
  const accessTokenKey = config.accessTokenKeys?.publicKey;
  if (!signingKey || !accessTokenKey)
    throw new ConfigError(['GATEWAY_PRIVATE_KEY and ACCESS_TOKEN_PUBLIC_KEY: required by the gateway']);
  const tokens = new InternalTokenCache(signingKey);
  const accessTokens = new AccessTokenVerifier(accessTokenKey);
  const verifyBearer = bearerVerifier(accessTokens, config.assistantKeys?.publicKey);
  const roleLedger = new RoleLedger(cache);
  const rateLimiter = new RateLimiter(cache, settings.RATE_LIMIT_PER_MINUTE, logger);
  const limitsRule = queryLimitsRule({
    maxDepth: settings.MAX_QUERY_DEPTH,
    maxFields: settings.MAX_QUERY_FIELDS,
    maxAliases: settings.MAX_QUERY_ALIASES,
    maxDirectives: settings.MAX_QUERY_DIRECTIVES,
    maxIntrospectionCost: settings.MAX_INTROSPECTION_COST,
  });
  const subgraphUrls = new Map<string, string>();

  // @apollo/gateway reports usage to Apollo unless told not to, and has no option for it but this.
  if (!settings.APOLLO_TELEMETRY) process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const gateway = new ApolloGateway({
    supergraphSdl: supergraphFromFile(settings.SUPERGRAPH_PATH, logger),
    buildService: ({ name, url }) => {
      const target = options.subgraphUrls?.[name] ?? settings.subgraphUrls[name] ?? url!;
      subgraphUrls.set(name, target);
      const onMerged = () => metrics.subgraphRequestsMerged.inc({ subgraph: name });
      const liveBatches = settings.LIVE_LOOKUP_BATCH_SIZE
        ? {
            maxItems: settings.LIVE_LOOKUP_BATCH_SIZE,
            windowMs: settings.LIVE_LOOKUP_BATCH_WINDOW_MS,
            maxInFlight: settings.LIVE_LOOKUP_BATCHES_IN_FLIGHT,
            onBatch: (size: number) => metrics.liveBatchSize.observe({ subgraph: name }, size),
          }
        : undefined;
      return new SubgraphClient(name, target, tokens, {
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        maxSockets: settings.SUBGRAPH_MAX_SOCKETS,
        onMerged,
        liveBatches,
      });
    },
    logger,
  });

  let schema: LiveSchema | null = null;
  gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    schema = {
      apiSchema,
      liveFields: readLiveFields(coreSupergraphSdl),
      viewerIndependent: readViewerIndependentMarks(coreSupergraphSdl),
    };
  });

  const apollo = new ApolloServer<GatewayContext>({
    gateway: answeringUnavailableFields(gateway),
    introspection: settings.INTROSPECTION,
    // Ours instead (simplePostsRefused): Apollo's also refuses the GET queries urql sends by default.
    csrfPrevention: false,
    // Shutdown is ours (onShutdown): Apollo's own signal handlers would re-raise the signal mid-way.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    validationRules: [limitsRule],
    // Parsing is the one cost paid before any limit applies: cap it in tokens.
    parseOptions: { maxTokens: settings.MAX_QUERY_TOKENS },
    plugins: [
      ApolloServerPluginLandingPageDisabled(),
      metrics.plugin(),
      subscriptionsOverHttpRefused(),
      queryCostLimit(settings.MAX_QUERY_COST),
      introspectionAnsweredLocally(),
      delegatedReadOnly(),
    ],
    formatError: (formatted, error) => {
      if (causedBy(error, SubgraphUnavailableError)) {
        logger.warn({ err: error }, 'a subgraph did not answer');
        return {
          message: 'A service did not answer in time; try again shortly.',
          path: formatted.path,
          extensions: { code: 'SERVICE_UNAVAILABLE' },
        };
      }
      const safe =
        refusedInput(formatted, error) ?? malformedRequest(formatted, error) ?? formatError(formatted, error);
      if (safe.extensions?.code === 'INTERNAL_SERVER_ERROR')
        logger.error({ err: error, message: formatted.message }, 'operation failed');
      if (settings.INTROSPECTION) return safe;
      // With the schema hidden, so are the hints that give it away: graphql-js's suggestions (for
      // validation and variable errors alike; Apollo's own option covers only validation) and
      // which internal service answered.
      const { serviceName: _internal, ...extensions } = safe.extensions ?? {};
      return { ...safe, message: withoutSuggestions(safe.message), ...(safe.extensions ? { extensions } : {}) };
    },
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  // Which hops may tell us the client's address (X-Forwarded-For): rate limits and the activity
  // log key on it. The WebSocket server uses the same rule.
  app.set('trust proxy', trustSetting(settings.TRUST_PROXY));
  const httpServer = createServer(app);

  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const subgraphs = schema ? await checkSubgraphs(subgraphUrls, tokens) : {};
    const ready = !!schema && Object.values(subgraphs).every((s) => s === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', schemaLoaded: !!schema, subgraphs });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.text());
  });
  // Payers' pages (/payments) are navigated to, and webhooks come from servers: neither needs CORS.
  app.use(GRAPHQL_PATH, corsFor(settings.cors, ['GET', 'POST']));
  app.use('/files', corsFor(settings.cors, ['GET', 'HEAD', 'PUT']));
  // Web players (hls.js) fetch playlists from the page's origin.
  app.use('/media', corsFor(settings.cors, ['GET', 'HEAD']));
  app.use(explorerRouter({ graphqlPath: GRAPHQL_PATH }));
  app.use(pagesRouter());
  app.use(adminPageRouter());
  app.use(
    '/files',
    passThrough('/files', 'file storage', () => subgraphUrls.get('drive'), logger),
  );
  app.use(
    '/media',
    passThrough('/media', 'lecture media', () => subgraphUrls.get('learning'), logger),
  );
  // LiveKit's deliveries, when live-sessions runs on LiveKit; every other provider's go to payments.
  app.use(
    '/webhooks/livekit',
    passThrough('/webhooks/livekit', 'live sessions', () => subgraphUrls.get('live-sessions'), logger),
  );
  app.use(
    '/webhooks',
    passThrough('/webhooks', 'payments', () => subgraphUrls.get('payments'), logger),
  );
  app.use(
    '/payments',
    passThrough('/payments', 'payments', () => subgraphUrls.get('payments'), logger),
  );

  app.use(
    GRAPHQL_PATH,
    (req: Request, res: Response, next: NextFunction) => {
      res.locals.requestId = sanitizeRequestId(req.header('x-request-id')) ?? uuidv7();
      res.setHeader('x-request-id', res.locals.requestId);
      // A listener per request costs even when the line is not written: only when it would be.
      if (logger.isLevelEnabled('info')) {
        const started = performance.now();
        res.on('finish', () =>
          logger.info(
            { requestId: res.locals.requestId, status: res.statusCode, ms: Math.round(performance.now() - started) },
            'graphql request',
          ),
        );
      }
      next();
    },
    simplePostsRefused,
    express.json({ limit: config.MAX_BODY_BYTES }),
    // Continues a client's trace (its traceparent header); Apollo Gateway's own spans nest under this one.
    tracedRequests(GRAPHQL_PATH),
    async (req: Request, res: Response, next: NextFunction) => {
      const token = bearerToken(req.header('authorization'));
      const verified = token ? await verifyBearer(token) : null;
      if (token && !verified)
        return void sendError(res, 401, 'UNAUTHENTICATED', 'The access token is invalid or expired.');
      // The roles the account holds now, never the token's copy (role-ledger.ts); read beside the rate limit.
      const [viewer, retryAfter] = await Promise.all([
        verified ? roleLedger.confirm(verified.viewer) : null,
        rateLimiter.take(verified?.viewer.userId ?? `ip:${req.ip}`),
      ]);
      res.locals.viewer = viewer;
      res.locals.actor = verified?.actor;
      if (retryAfter) {
        res.setHeader('retry-after', String(retryAfter));
        return void sendError(res, 429, 'RATE_LIMITED', 'Too many requests; slow down.');
      }
      next();
    },
    graphqlHandler(
      apollo,
      async (req, res): Promise<GatewayContext> => ({
        viewer: res.locals.viewer,
        actor: res.locals.actor,
        // Bounded: the user agent rides in every signed internal token and in the activity log.
        client: {
          ip: req.ip,
          userAgent: req.header('user-agent')?.slice(0, 256),
          origin: originOf(req.protocol, req.get('host')),
        },
        requestId: res.locals.requestId,
        startedAt: performance.now(),
        signal: closedBeforeAnswered(res),
      }),
    ),
  );
  // Body-parser failures (too large, malformed JSON) answer in GraphQL's shape, never with a stack.
  app.use((error: Error & { status?: number; type?: string }, _req: Request, res: Response, _next: NextFunction) => {
    const status = error.status ?? 500;
    if (status >= 500) logger.error({ err: error }, 'request failed');
    const message =
      error.type === 'entity.too.large'
        ? 'The request body is too large.'
        : status < 500
          ? 'The request is malformed.'
          : 'Internal server error.';
    sendError(res, status, status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR', message);
  });

  /** Runs an operation through the full Apollo pipeline (validation, plugins, query plan) in-process. */
  const execute = async (
    query: string,
    variables: Record<string, unknown> | undefined,
    operationName: string | undefined,
    contextValue: GatewayContext,
  ): Promise<FormattedExecutionResult> => {
    const response = await apollo.executeOperation(
      { query, variables, operationName, http: internalHttpRequest() },
      { contextValue },
    );
    return response.body.kind === 'single'
      ? response.body.singleResult
      : { errors: [{ message: 'Incremental delivery is not supported here.' }] };
  };
  const live = new LiveServer({
    httpServer,
    path: GRAPHQL_PATH,
    bus,
    logger,
    schema: () => schema,
    validationRules: [limitsRule],
    maxTokens: settings.MAX_QUERY_TOKENS,
    maxCost: settings.MAX_QUERY_COST,
    hideSuggestions: !settings.INTROSPECTION,
    maxSubscriptionsPerConnection: settings.MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxSubscriptionsPerUser: settings.MAX_SUBSCRIPTIONS_PER_USER,
    maxSubscriptionsPerAddress: settings.MAX_SUBSCRIPTIONS_PER_ADDRESS,
    maxConnectionsPerAddress: settings.MAX_CONNECTIONS_PER_ADDRESS,
    clientAddress: (request) => proxyaddr(request, app.get('trust proxy fn')),
    clientOrigin: (request) => {
      const trusted = app.get('trust proxy fn')(request.socket.remoteAddress ?? '', 0);
      const forwarded = trusted
        ? String(request.headers['x-forwarded-proto'] ?? '')
            .split(',')[0]!
            .trim()
        : '';
      return originOf(forwarded || 'http', request.headers.host);
    },
    originAllowed: (origin) => origin === new URL(config.publicUrl).origin || corsAllows(settings.cors, origin),
    queueSize: settings.SUBSCRIPTION_QUEUE_SIZE,
    stallMs: settings.SUBSCRIPTION_STALL_MS,
    resume: { windowMs: settings.SUBSCRIPTION_RESUME_WINDOW_MS, maxEvents: settings.SUBSCRIPTION_RESUME_MAX_EVENTS },
    authenticate: (token) => accessTokens.verify(token),
    currentRoles: (viewer) => roleLedger.confirm(viewer),
    execute,
    rateLimit: (key) => rateLimiter.take(key),
    metrics: metrics.live,
  });

  // Sockets opened with a role since revoked are closed; the client reconnects with what it holds now.
  const stopHearingRoles = await bus.listen(ROLES_CHANGED, (event) => {
    const { userId, revoked } = event.payload as unknown as RolesChanged;
    if (revoked?.length) live.closeConnectionsOf(userId, 4403, 'Forbidden: your roles changed');
  });

  try {
    await listen(httpServer, options.port, options.host);
  } catch (error) {
    // A port already taken: nothing started here may keep the process alive.
    await stopHearingRoles();
    await live.close();
    await apollo.stop();
    throw error;
  }
  const { port } = httpServer.address() as AddressInfo;
  const url = `http://${options.host === '0.0.0.0' ? 'localhost' : options.host}:${port}${GRAPHQL_PATH}`;
  return {
    url,
    httpServer,
    live,
    async stop() {
      await stopHearingRoles();
      await live.close();
      await closeServer(httpServer);
      await apollo.stop();
    },
  };
}

/** Resolves once listening; rejects on a listen error (EADDRINUSE) rather than waiting forever. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** TRUST_PROXY as Express understands it: true/false, a hop count, or addresses and subnets. */
function trustSetting(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  return /^\d+$/.test(value) ? Number(value) : value;
}

function sendError(res: Response, status: number, code: string, message: string) {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

function sanitizeRequestId(value: string | undefined): string | undefined {
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : undefined;
}

/** Operations the gateway runs itself (subscription events) pass CSRF checks as trusted. */
function internalHttpRequest() {
  const headers = new HeaderMap();
  headers.set('content-type', 'application/json');
  return { method: 'POST', headers, search: '', body: undefined };
}

/** Apollo Gateway cannot run subscriptions; say where they are served instead of failing obscurely. */
function subscriptionsOverHttpRefused() {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation }: { operation?: { operation: string } }) {
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions are served over WebSocket (graphql-ws) at this same URL.', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}

async function checkSubgraphs(urls: Map<string, string>, tokens: InternalTokenCache): Promise<Record<string, string>> {
  const entries = await Promise.all(
    [...urls].map(async ([name, url]) => {
      try {
        const token = await tokens.get({ viewer: null, client: {} }, name);
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token },
          body: JSON.stringify({ query: '{ __typename }' }),
          signal: AbortSignal.timeout(2000),
        });
        return [name, response.ok ? 'ok' : `HTTP ${response.status}`];
      } catch (error) {
        return [name, (error as Error).message];
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** The origin a client called, from the request's (proxy-aware) scheme and Host; absent when unusable. */
export function originOf(protocol: string, host: string | undefined): string | undefined {
  if (!host || !/^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i.test(host)) return undefined;
  return `${protocol === 'https' ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/** Whether `error`, or an error it wraps (Apollo keeps the fetch failure as originalError), is a `type`. */
function causedBy(error: unknown, type: new (...args: never[]) => Error): boolean {
  for (let e = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof type) return true;
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}
