import type { ApolloServerPlugin } from '@apollo/server';
import { context, type Span, SpanKind, trace } from '@opentelemetry/api';
import type { Orm } from '../db/database.js';
import type { SubgraphMetrics } from '../metrics.js';
import { failed, tracer } from '../tracing.js';
import { type Resolver, wrapResolvers } from './resolver-map.js';

/**
 * Times root fields and entity lookups (a span each, active while they run so their SQL and events nest under them,
 * and a latency histogram by field). Nested fields are left alone: one span per list item would swamp a trace.
 */
export function instrumentResolvers(resolvers: Record<string, Record<string, unknown>>, metrics: SubgraphMetrics) {
  wrapResolvers(resolvers, (resolve, { type, field, kind }) => {
    if (kind === 'reference') return timed(resolve, `${type}._entities`, metrics);
    if (kind === 'root') return timed(resolve, `${type}.${field}`, metrics);
    return undefined;
  });
}

function timed(resolve: Resolver, field: string, metrics: SubgraphMetrics): Resolver {
  return function (this: unknown, ...args: unknown[]) {
    const span = tracer().startSpan(field, { attributes: { 'graphql.field': field } });
    const started = performance.now();
    const done = (error?: unknown) => {
      metrics.resolverDuration.observe({ field }, (performance.now() - started) / 1000);
      if (error !== undefined) failed(span, error);
      span.end();
    };
    try {
      const result = context.with(trace.setSpan(context.active(), span), () => resolve.apply(this, args));
      if (result instanceof Promise)
        return result.then(
          (value) => {
            done();
            return value;
          },
          (error: unknown) => {
            done(error);
            throw error;
          },
        );
      done();
      return result;
    } catch (error) {
      done(error);
      throw error;
    }
  };
}

/** Counts a subgraph's operations and their errors by code, and times each. */
export function requestMetrics(metrics: SubgraphMetrics): ApolloServerPlugin {
  return {
    requestDidStart: async () => {
      const started = performance.now();
      return {
        willSendResponse: async ({ operation, response }) => {
          metrics.requests.inc({ type: operation?.operation ?? 'unknown' });
          metrics.requestDuration.observe((performance.now() - started) / 1000);
          // As the client gets them: formatError turns some failures into the client's own codes (BAD_USER_INPUT,
          // CONFLICT), which must not count as the server's.
          const sent = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          for (const error of sent ?? [])
            metrics.errors.inc({ code: String(error.extensions?.code ?? 'INTERNAL_SERVER_ERROR') });
        },
      };
    },
  };
}

interface KnexQuery {
  __knexQueryUid?: string;
  sql?: string;
}
interface KnexEmitter {
  on(event: string, listener: (...args: unknown[]) => void): void;
  off?(event: string, listener: (...args: unknown[]) => void): void;
  client?: { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } };
}

/**
 * A statement with its values taken out: MikroORM sends SQL with the values written in, and they may be personal data
 * or secrets (an e-mail address, a verification code, a message). Quoted strings, dollar-quoted strings and numbers
 * become `?`; names and keywords stay.
 */
export function statementShape(sql: string): string {
  return sql
    .replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, '?')
    .replace(/[Ee]?'(?:[^'\\]|''|\\.)*'/g, '?')
    .replace(/(?<![\w$"])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w"])/g, '?');
}

/**
 * A span for each SQL statement, under whatever span is active when it is sent (a resolver, a consumer), with the
 * statement's shape (statementShape: no values); and the pool's use at each scrape.
 */
export function instrumentDatabase(orm: Orm, metrics: SubgraphMetrics) {
  const knex = orm.em.getConnection().getKnex() as unknown as KnexEmitter;
  const open = new Map<string, Span>();
  const onQuery = (...args: unknown[]) => {
    const query = args[0] as KnexQuery;
    // Outside any trace (a sweeper's poll) a statement starts none of its own.
    if (!query.__knexQueryUid || !trace.getSpan(context.active())) return;
    const operation = /^\s*(\w+)/.exec(query.sql ?? '')?.[1]?.toLowerCase() ?? 'sql';
    open.set(
      query.__knexQueryUid,
      tracer().startSpan(`sql ${operation}`, {
        kind: SpanKind.CLIENT,
        attributes: {
          'db.system.name': 'postgresql',
          'db.namespace': metrics.subgraph,
          'db.query.text': statementShape(query.sql ?? '').slice(0, 2000),
        },
      }),
    );
  };
  // Both events pass the query second: after the response, or after the error.
  const onEnd =
    (failedWith: boolean) =>
    (...args: unknown[]) => {
      const uid = (args[1] as KnexQuery | undefined)?.__knexQueryUid;
      const span = uid && open.get(uid);
      if (!span) return;
      open.delete(uid);
      if (failedWith) failed(span, args[0]);
      span.end();
    };
  const onResponse = onEnd(false);
  const onError = onEnd(true);
  knex.on('query', onQuery);
  knex.on('query-response', onResponse);
  knex.on('query-error', onError);
  metrics.gauge({
    name: 'peerlink_db_pool_connections',
    help: 'Database connections in the pool: used, free, and acquisitions waiting for one',
    labelNames: ['state'],
    collect() {
      // The pool is made with the first connection.
      const pool = knex.client?.pool;
      if (!pool) return;
      this.set({ state: 'used' }, pool.numUsed());
      this.set({ state: 'free' }, pool.numFree());
      this.set({ state: 'pending' }, pool.numPendingAcquires());
    },
  });
}
