import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { MigrationObject } from '@mikro-orm/core';
import { RequestContext } from '@mikro-orm/core';
import express from 'express';
import { INTERNAL_TOKEN_HEADER, verifyInternalToken, type InternalIdentity } from '../auth/internal-token.js';
import { privilegedRolesConfirmed } from '../auth/role-ledger.js';
import type { ClientInfo, Viewer } from '../auth/viewer.js';
import type { Orm } from '../db/database.js';
import { ConfigError, type ConfigSlice } from '../config.js';
import { formatError } from '../errors.js';
import { textInputChecked } from './text-input.js';
import { requestSignal } from './request-deadline.js';
import { closeServer } from '../http.js';
import { uuidv7 } from '../ids.js';
import type { Logger } from '../logger.js';
import type { Infrastructure } from '../infrastructure.js';
import { subgraphMetrics } from '../metrics.js';
import { tracedRequests } from '../tracing.js';
import { buildFederatedSchema, type SchemaDefinition } from './federation.js';
import { requestMetrics } from './instrumentation.js';
import { BatchScope, LOOKUP_BATCH_PATH, lookupBatchHandler } from './lookup-batch.js';

/** What every resolver receives. `services` and `loaders` are the subgraph's own. */
export interface SubgraphContext<Services = unknown, Loaders = unknown> {
  viewer: Viewer | null;
  client: ClientInfo;
  requestId: string;
  logger: Logger;
  services: Services;
  /** DataLoaders, fresh for every request so nothing is cached across users. */
  loaders: Loaders;
  /**
   * Aborted when nobody will read the answer (request-deadline.ts): long work should stop, and
   * work that has not begun does not start. Absent for live lookups in a batch.
   */
  signal?: AbortSignal;
}

export interface RunningSubgraph<Services, Loaders> {
  services: Services;
  /**
   * DataLoaders for one request; they may batch by the viewer ("has this viewer liked these?").
   * Loaders that read rows whatever the viewer come from `scope`: a batch of live lookups shares
   * them, so the batch costs one statement per loader rather than one per lookup.
   */
  createLoaders(viewer: Viewer | null, scope: BatchScope): Loaders;
  /**
   * Plain HTTP routes by mount path, which the gateway passes through: `/files` (drive), `/webhooks`
   * (payments: providers' deliveries), `/payments` (payments: pages a payer's browser is sent to) and
   * `/media` (learning: lecture playlists).
   */
  routes?: Partial<Record<'/files' | '/webhooks' | '/payments' | '/media', express.Router>>;
  stop?(): Promise<void>;
}

/** One domain, as the launcher and the composition script see it. */
export interface SubgraphDefinition<Services = unknown, Loaders = unknown, Settings = undefined>
  extends SchemaDefinition {
  name: string;
  entities: Function[];
  migrations: MigrationObject[];
  /**
   * Whether an error comes from an outside service the domain calls being down or overloaded (Stripe
   * unreachable, say): clients are told SERVICE_UNAVAILABLE, to try again, rather than an internal error.
   */
  outsideServiceDown?(error: unknown): boolean;
  /**
   * The domain's own variables (config.ts beside its code), validated with every other slice before
   * anything starts; what it returns is handed to start(). Absent when the domain has none.
   */
  config?: ConfigSlice<Settings>;
  /** Wires the domain's services and background work (event consumers) onto the infrastructure. */
  start(infrastructure: Infrastructure, orm: Orm, settings: Settings): Promise<RunningSubgraph<Services, Loaders>>;
}

/**
 * Any domain's definition, for code that starts domains without knowing their services and loaders (the launcher,
 * the standalone entry point).
 */
// biome-ignore lint/suspicious/noExplicitAny: services and loaders are taken and given, so `unknown` fits no domain.
export type AnySubgraphDefinition = SubgraphDefinition<any, any, any>;

export interface SubgraphServer {
  url: string;
  close(): Promise<void>;
}

/** How long a subgraph keeps an idle keep-alive connection: longer than the gateway's agent keeps one. */
export const SUBGRAPH_KEEP_ALIVE_MS = 65_000;

/**
 * Serves one subgraph over HTTP. Only requests signed by the gateway get through: the internal
 * token carries the viewer the gateway verified, so a caller who reaches the subgraph directly
 * cannot claim to be anyone.
 */
export async function serveSubgraph<S, L>(options: {
  // biome-ignore lint/suspicious/noExplicitAny: serving reads no settings; they went to `start()` already.
  definition: SubgraphDefinition<S, L, any>;
  running: RunningSubgraph<S, L>;
  orm: Orm;
  infrastructure: Infrastructure;
  port: number;
  host: string;
}): Promise<SubgraphServer> {
  const { definition, running, orm, infrastructure, port, host } = options;
  const { config } = infrastructure;
  const logger = infrastructure.logger.child({ subgraph: definition.name });
  const gatewayKey = config.gatewayKeys?.publicKey;
  if (!gatewayKey) throw new ConfigError(['GATEWAY_PUBLIC_KEY: required by every subgraph']);
  const metrics = subgraphMetrics(definition.name);
  const schema = await buildFederatedSchema(definition, metrics);
  const apollo = new ApolloServer<SubgraphContext<S, L>>({
    schema,
    introspection: true,
    csrfPrevention: true,
    // Shutdown is ours (onShutdown): Apollo's own signal handlers would re-raise the signal mid-way.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginInlineTraceDisabled(), textInputChecked(), requestMetrics(metrics)],
    formatError: (formatted, error) => {
      const safe = formatError(formatted, error, definition.outsideServiceDown);
      if (safe.extensions?.code === 'INTERNAL_SERVER_ERROR') logger.error({ err: error }, 'resolver failed');
      return safe;
    },
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', async (_req, res) => {
    const connected = await orm.isConnected().catch(() => false);
    res.status(connected ? 200 : 503).json({ status: connected ? 'ready' : 'database unavailable' });
  });
  // For Prometheus on the internal network, like /healthz: figures, never anyone's data.
  app.get('/metrics', async (_req, res) => {
    res.type('text/plain; version=0.0.4; charset=utf-8').send(await metrics.text());
  });
  for (const [path, router] of Object.entries(running.routes ?? {})) {
    app.use(
      path,
      router,
      (
        error: Error & { status?: number },
        _req: express.Request,
        res: express.Response,
        _next: express.NextFunction,
      ) => {
        // Plain JSON, never Express's default page with a stack trace.
        const status = error.status && error.status >= 400 && error.status < 500 ? error.status : 500;
        if (status === 500) logger.error({ err: error, path }, 'route failed');
        if (!res.headersSent) res.status(status).json({ error: status === 500 ? 'Internal error.' : error.message });
        else res.destroy();
      },
    );
  }
  const contextFor = (identity: InternalIdentity, requestId: string, scope: BatchScope): SubgraphContext<S, L> => {
    const viewer = identity.viewer && privilegedRolesConfirmed(identity.viewer);
    const loaders = running.createLoaders(viewer, scope);
    return {
      viewer,
      client: identity.client,
      requestId,
      logger: logger.child({ requestId }),
      services: running.services,
      loaders,
    };
  };
  // Before /graphql, whose prefix it shares.
  app.post(
    LOOKUP_BATCH_PATH,
    express.json({ limit: config.MAX_BODY_BYTES }),
    tracedRequests(LOOKUP_BATCH_PATH),
    lookupBatchHandler({ subgraph: definition.name, gatewayKey, apollo, orm, logger, contextFor }),
  );
  app.use(
    '/graphql',
    express.json({ limit: config.MAX_BODY_BYTES }),
    async (req, res, next) => {
      const identity = await verifyInternalToken(gatewayKey, req.header(INTERNAL_TOKEN_HEADER), definition.name);
      if (!identity) {
        res.status(401).json({
          errors: [{ message: 'Requests must come through the gateway.', extensions: { code: 'UNAUTHENTICATED' } }],
        });
        return;
      }
      res.locals.identity = identity;
      next();
    },
    tracedRequests('/graphql'),
    (req, res, next) => {
      const started = performance.now();
      res.on('finish', () =>
        logger.info(
          {
            requestId: req.header('x-request-id'),
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          'graphql request',
        ),
      );
      // Each request gets its own MikroORM identity map.
      RequestContext.create(orm.em, next);
    },
    expressMiddleware(apollo, {
      context: async ({ req, res }) => ({
        ...contextFor(res.locals.identity, req.header('x-request-id') ?? uuidv7(), new BatchScope()),
        signal: requestSignal(req, res, config.UPSTREAM_TIMEOUT_MS),
      }),
    }),
  );

  // Express 5 hands a listen error (EADDRINUSE) to the callback.
  const server: Server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(s)));
  }).catch(async (error: unknown) => {
    await apollo.stop();
    throw error;
  });
  // The gateway closes an idle connection first (its agent gives up after 30 s),
  // so it never sends a mutation on a socket this server is closing: one it could not safely resend.
  server.keepAliveTimeout = SUBGRAPH_KEEP_ALIVE_MS;
  server.headersTimeout = SUBGRAPH_KEEP_ALIVE_MS + 1000;
  const { port: boundPort } = server.address() as AddressInfo;
  const url = `http://${host}:${boundPort}/graphql`;
  logger.info({ url }, 'subgraph listening');
  return {
    url,
    async close() {
      await closeServer(server);
      await apollo.stop();
    },
  };
}
