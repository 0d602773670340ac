import type { ApolloServer } from '@apollo/server';
import { RequestContext } from '@mikro-orm/core';
import type { FormattedExecutionResult } from 'graphql';
import type { Request, Response } from 'express';
import { INTERNAL_TOKEN_HEADER, verifyBatchToken, type InternalIdentity } from '../auth/internal-token.js';
import { isRoleList } from '../auth/viewer.js';
import type { Orm } from '../db/database.js';
import { uuidv7 } from '../ids.js';
import type { Logger } from '../logger.js';

/**
 * Live lookups the gateway sends a subgraph together (`POST /graphql/batch`): one request and one
 * signed token for many recipients, each item still run as its own recipient. Queries and
 * identities are listed once and referred to by index, since a fan-out repeats both.
 */
export interface LookupBatch {
  queries: string[];
  identities: InternalIdentity[];
  items: { query: number; identity: number; variables?: Record<string, unknown>; operationName?: string }[];
}

/** One result per item, in order, each as a /graphql response would carry it. */
export interface LookupBatchAnswer {
  results: FormattedExecutionResult[];
}

export const LOOKUP_BATCH_PATH = '/graphql/batch';

/** The most items one batch may hold; the gateway sends fewer (LIVE_LOOKUP_BATCH_SIZE). */
export const MAX_LOOKUP_BATCH = 1000;

/**
 * Loaders every item of one batch shares: rows read once for the batch, each item then deciding
 * for its own viewer what it may see. An ordinary request gets a scope of its own.
 */
export class BatchScope {
  private readonly memo = new Map<string, unknown>();

  /** The scope's one `name`, made by `create` on first use. */
  get<T>(name: string, create: () => T): T {
    if (!this.memo.has(name)) this.memo.set(name, create());
    return this.memo.get(name) as T;
  }
}

export interface LookupBatchOptions<Context extends object> {
  subgraph: string;
  gatewayKey: Parameters<typeof verifyBatchToken>[0];
  apollo: ApolloServer<Context>;
  orm: Orm;
  logger: Logger;
  /** The context one item runs with, as a /graphql request of that identity would get. */
  contextFor(identity: InternalIdentity, requestId: string, scope: BatchScope): Context;
}

/**
 * Serves `POST /graphql/batch` (after express.json). Refused whole (401) unless the token is the
 * gateway's for exactly the identities listed: nobody can add a recipient to a signed batch. One
 * MikroORM identity map for the batch, whose items only read.
 */
export function lookupBatchHandler<Context extends object>(options: LookupBatchOptions<Context>) {
  const { subgraph, gatewayKey, apollo, orm, logger } = options;
  return async (req: Request, res: Response) => {
    try {
      const batch = readBatch(req.body);
      if (!batch)
        return void res
          .status(400)
          .json({ errors: [{ message: 'Malformed lookup batch.', extensions: { code: 'BAD_REQUEST' } }] });
      if (!(await verifyBatchToken(gatewayKey, req.header(INTERNAL_TOKEN_HEADER), subgraph, batch.identities))) {
        return void res.status(401).json({
          errors: [{ message: 'Requests must come through the gateway.', extensions: { code: 'UNAUTHENTICATED' } }],
        });
      }
      const requestId = req.header('x-request-id') ?? uuidv7();
      const started = performance.now();
      const scope = new BatchScope();
      // All items start in one tick, so loaders of the batch's scope gather their keys into one statement.
      const results = await RequestContext.create(orm.em, () =>
        Promise.all(
          batch.items.map(async (item): Promise<FormattedExecutionResult> => {
            const response = await apollo.executeOperation(
              { query: batch.queries[item.query]!, variables: item.variables, operationName: item.operationName },
              { contextValue: options.contextFor(batch.identities[item.identity]!, requestId, scope) },
            );
            return response.body.kind === 'single'
              ? response.body.singleResult
              : { errors: [{ message: 'Incremental delivery is not supported here.' }] };
          }),
        ),
      );
      logger.info(
        { requestId, items: batch.items.length, ms: Math.round(performance.now() - started) },
        'graphql lookup batch',
      );
      res.json({ results } satisfies LookupBatchAnswer);
    } catch (error) {
      // Items' own failures are in their results: this is the batch itself failing (the database gone).
      logger.error({ err: error }, 'lookup batch failed');
      if (!res.headersSent)
        res
          .status(500)
          .json({ errors: [{ message: 'Internal error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    }
  };
}

/** The batch, with each identity rebuilt from the fields a token would carry; null when malformed. */
function readBatch(body: unknown): LookupBatch | null {
  const raw = body as Partial<LookupBatch> | undefined;
  if (!raw || !Array.isArray(raw.queries) || !Array.isArray(raw.identities) || !Array.isArray(raw.items)) return null;
  if (raw.items.length > MAX_LOOKUP_BATCH || !raw.queries.every((q) => typeof q === 'string')) return null;
  const identities: InternalIdentity[] = [];
  for (const identity of raw.identities) {
    const read = readIdentity(identity);
    if (!read) return null;
    identities.push(read);
  }
  const items: LookupBatch['items'] = [];
  for (const item of raw.items) {
    if (!item || !Number.isInteger(item.query) || !Number.isInteger(item.identity)) return null;
    if (item.query < 0 || item.query >= raw.queries.length || item.identity < 0 || item.identity >= identities.length)
      return null;
    if (item.variables != null && typeof item.variables !== 'object') return null;
    if (item.operationName != null && typeof item.operationName !== 'string') return null;
    items.push({
      query: item.query,
      identity: item.identity,
      variables: item.variables ?? undefined,
      operationName: item.operationName ?? undefined,
    });
  }
  return { queries: raw.queries, identities, items };
}

const optionalString = (value: unknown) => (typeof value === 'string' ? value : undefined);

function readIdentity(value: unknown): InternalIdentity | null {
  const raw = value as {
    viewer?: {
      userId?: unknown;
      sessionId?: unknown;
      roles?: unknown;
      rolesFrom?: unknown;
      unconfirmedRoles?: unknown;
    } | null;
    client?: Record<string, unknown>;
  } | null;
  if (!raw || typeof raw !== 'object') return null;
  const v = raw.viewer;
  let viewer: InternalIdentity['viewer'] = null;
  if (v) {
    if (typeof v.userId !== 'string' || typeof v.sessionId !== 'string' || !Array.isArray(v.roles)) return null;
    if (!isRoleList(v.roles) || (v.unconfirmedRoles !== undefined && !isRoleList(v.unconfirmedRoles))) return null;
    if (v.rolesFrom !== undefined && v.rolesFrom !== 'ACCOUNT' && v.rolesFrom !== 'ACCESS_TOKEN') return null;
    viewer = {
      userId: v.userId,
      sessionId: v.sessionId,
      roles: v.roles,
      ...(v.rolesFrom !== undefined ? { rolesFrom: v.rolesFrom } : {}),
      ...(v.unconfirmedRoles !== undefined ? { unconfirmedRoles: v.unconfirmedRoles } : {}),
    };
  }
  const client = raw.client ?? {};
  return {
    viewer,
    client: {
      ip: optionalString(client.ip),
      userAgent: optionalString(client.userAgent),
      origin: optionalString(client.origin),
    },
  };
}
