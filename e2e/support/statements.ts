import { RequestContext } from '@mikro-orm/core';
import type { StartedSubgraph } from '@peerlink/platform/graphql/start-subgraph';

interface KnexQuery {
  sql: string;
  __knexTxId?: string;
}

interface Knex {
  on(event: 'query', listener: (query: KnexQuery) => void): void;
  off(event: 'query', listener: (query: KnexQuery) => void): void;
}

/**
 * Records the SQL statements a subgraph of the in-process stack runs, by request: each request has
 * its own MikroORM context (see serveSubgraph), and knex reports every statement, BEGIN and COMMIT
 * included, in the async context of the code that sent it.
 */
export function recordStatements(subgraph: StartedSubgraph) {
  const global = subgraph.orm.em;
  const knex = (global.getConnection() as unknown as { getKnex(): Knex }).getKnex();
  const byRequest = new Map<object, KnexQuery[]>();
  const listener = (query: KnexQuery) => {
    // By request, not by transaction: a transaction runs on a fork of the request's context.
    const context = RequestContext.getEntityManager(subgraph.name);
    if (context) byRequest.set(context, [...(byRequest.get(context) ?? []), query]);
  };
  knex.on('query', listener);
  return {
    /**
     * Each request's statements since the last call, oldest request first. The outbox relays a
     * request's events after its commit, in the request's async context; the relay is not the
     * request's cost, so its statements (and transactions) are left out.
     */
    take(): string[][] {
      const taken = [...byRequest.values()].map((queries) => {
        const relayTransactions = new Set(
          queries.filter((q) => q.__knexTxId && isRelay(q.sql)).map((q) => q.__knexTxId),
        );
        return queries.filter((q) => !isRelay(q.sql) && !relayTransactions.has(q.__knexTxId)).map((q) => q.sql);
      });
      byRequest.clear();
      return taken.filter((statements) => statements.length);
    },
    stop: () => knex.off('query', listener),
  };
}

const isRelay = (sql: string) => /\.outbox\b/.test(sql) && !/^\s*insert into/i.test(sql);
