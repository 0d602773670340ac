import { traceCarrier } from '@peerlink/platform/tracing';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import {
  INTERNAL_TOKEN_HEADER,
  identityKey,
  type InternalIdentity,
  type InternalTokenCache,
} from '@peerlink/platform/auth/internal-token';
import type { LookupBatch, LookupBatchAnswer } from '@peerlink/platform/graphql/lookup-batch';
import type { GatewayContext } from './context.js';
import { keepAliveFetcher, SubgraphUnavailableError, type SubgraphResponse } from './keep-alive-fetcher.js';
import { LookupBatcher, toLookupBatch, type LiveLookup, type LookupBatchLimits } from './live/lookup-batcher.js';
import { uniqueRepresentations } from './unique-representations.js';

type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

export interface SubgraphClientOptions {
  timeoutMs: number;
  maxSockets: number;
  /** Told each time a call joins an identical one already on its way instead of being sent. */
  onMerged?: () => void;
  /** Live events' lookups go to the subgraph in batches with these limits; absent, one by one. */
  liveBatches?: LookupBatchLimits & { onBatch?: (size: number) => void };
}

/**
 * Calls one subgraph. Every request carries the gateway-signed identity and the request id, and is
 * abandoned after the upstream timeout so one slow subgraph cannot hold a client forever.
 *
 * What Apollo's RemoteGraphQLDataSource does, minus what we never used (a node-fetch Request and
 * Headers per call, a URL parsed per call), plus one thing it lacks: a query identical in body and
 * signed identity to one already on its way to this subgraph waits for that answer instead of going
 * again (as Hive Gateway does). Never a mutation: each of those must run.
 */
export class SubgraphClient implements GraphQLDataSource<GatewayContext> {
  private readonly url: URL;
  private readonly batchUrl: URL;
  private readonly fetch: ReturnType<typeof keepAliveFetcher>;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly liveLookups: LookupBatcher<LiveLookup, unknown> | null;

  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly tokens: InternalTokenCache,
    private readonly options: SubgraphClientOptions,
  ) {
    this.url = new URL(url);
    // The subgraph serves batches beside its endpoint: /graphql/batch.
    this.batchUrl = new URL(this.url);
    this.batchUrl.pathname = this.batchUrl.pathname.replace(/\/?$/, '/batch');
    this.fetch = keepAliveFetcher({ timeoutMs: options.timeoutMs, maxSockets: options.maxSockets });
    const batches = options.liveBatches;
    this.liveLookups = batches
      ? new LookupBatcher(batches, (lookups) => this.sendBatch(toLookupBatch(lookups)), batches.onBatch)
      : null;
  }

  async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    if (!request.query) throw new Error('Missing query');
    const ctx = options.context as Partial<GatewayContext>;
    const identity: InternalIdentity = { viewer: ctx.viewer ?? null, client: ctx.client ?? {} };
    // Only tracing asks for extra headers (Apollo's ftv1); they ride along and count in the key.
    const extraHeaders = request.http?.headers ? Object.fromEntries(request.http.headers) : undefined;
    if (ctx.live && this.liveLookups && isQuery(request.query)) {
      const { query, variables, operationName } = request;
      return (await this.liveLookups.add({ query, variables, operationName, identity })) as GatewayGraphQLResponse;
    }
    const { variables, expand } = uniqueRepresentations(request.variables);
    const body = JSON.stringify({
      query: request.query,
      variables,
      operationName: request.operationName,
      extensions: request.extensions,
    });

    let response: Promise<SubgraphResponse>;
    if (isQuery(request.query)) {
      const key = `${body}\n${identityKey(identity)}\n${extraHeaders ? JSON.stringify(extraHeaders) : ''}`;
      const inFlight = this.inFlight.get(key);
      // Only a request sent after this operation began may answer it: an older one may have read
      // the state before a change this caller has already seen.
      const joined = inFlight && ctx.startedAt !== undefined && inFlight.sentAt >= ctx.startedAt ? inFlight : undefined;
      if (joined) this.options.onMerged?.();
      const entry = joined ?? {
        sentAt: performance.now(),
        waiting: 0,
        abandon: new AbortController(),
        response: undefined!,
      };
      // A shared call is dropped only once every caller waiting for it has gone away.
      entry.waiting += 1;
      if (ctx.signal)
        ctx.signal.addEventListener('abort', () => --entry.waiting === 0 && entry.abandon.abort(), { once: true });
      else entry.waiting += Infinity;
      if (!joined) {
        entry.response = this.send(body, identity, ctx.requestId, extraHeaders, true, entry.abandon.signal);
        this.inFlight.set(key, entry);
        const forget = () => this.inFlight.get(key) === entry && this.inFlight.delete(key);
        entry.response.then(forget, forget);
      }
      response = entry.response;
    } else {
      response = this.send(body, identity, ctx.requestId, extraHeaders, false, ctx.signal);
    }
    // Each caller parses its own copy: the query plan merges into and rewrites what it is given.
    const answer = await response.catch((error: unknown) => {
      if (error instanceof SubgraphUnavailableError) error.subgraph ??= this.subgraph;
      throw error;
    });
    if ('incomingRequestContext' in options)
      restrictCachePolicy(options.incomingRequestContext.overallCachePolicy, answer);
    if (!answer.ok) throw errorFromResponse(answer);
    const parsed = parseBody(answer);
    if (parsed === null || typeof parsed !== 'object')
      throw new Error(`Expected JSON response body, but received: ${parsed}`);
    return (expand ? expand(parsed) : parsed) as GatewayGraphQLResponse;
  }

  /** `idempotent`: a query, which may be sent again after a reset; a mutation never is. */
  private async send(
    body: string,
    identity: InternalIdentity,
    requestId: string | undefined,
    extraHeaders?: Record<string, string>,
    idempotent = false,
    signal?: AbortSignal,
  ): Promise<SubgraphResponse> {
    const token = await this.tokens.get(identity, this.subgraph);
    const headers: Record<string, string> = {
      ...extraHeaders,
      'content-type': 'application/json',
      [INTERNAL_TOKEN_HEADER]: token,
    };
    if (requestId) headers['x-request-id'] = requestId;
    // The trace goes on in the subgraph, under the gateway's fetch span.
    Object.assign(headers, traceCarrier());
    return this.fetch(this.url, { method: 'POST', headers, body, idempotent, signal });
  }

  /** One request, and one token over the digest of its identities, for a batch of live lookups. */
  private async sendBatch(batch: LookupBatch): Promise<unknown[]> {
    const token = await this.tokens.signBatch(batch.identities, this.subgraph);
    const body = JSON.stringify(batch);
    const answer = await this.fetch(this.batchUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token, ...traceCarrier() },
      body,
    });
    if (!answer.ok) throw errorFromResponse(answer);
    return (JSON.parse(answer.body) as LookupBatchAnswer).results;
  }
}

/** A query on its way to the subgraph, which identical ones may join; `waiting`: callers still wanting its answer. */
interface InFlight {
  sentAt: number;
  response: Promise<SubgraphResponse>;
  waiting: number;
  abandon: AbortController;
}

/** Query plan fetches are printed documents: `query ...` or `{...}`; anything else is never merged. */
function isQuery(operation: string): boolean {
  return /^\s*(query\b|\{)/.test(operation);
}

function parseBody(response: SubgraphResponse): unknown {
  const type = response.headers.get('content-type');
  return type?.startsWith('application/json') || type?.startsWith('application/graphql-response+json')
    ? JSON.parse(response.body)
    : response.body;
}

/**
 * As Apollo's data source: an HTTP failure becomes an error carrying the subgraph's answer (see subgraph-refusals.ts).
 */
function errorFromResponse(response: SubgraphResponse): GraphQLError {
  let body: unknown;
  try {
    body = parseBody(response);
  } catch {
    body = response.body;
  }
  const code = response.status === 401 ? 'UNAUTHENTICATED' : response.status === 403 ? 'FORBIDDEN' : undefined;
  return new GraphQLError(`${response.status}: ${response.statusText}`, {
    extensions: {
      response: { url: response.url, status: response.status, statusText: response.statusText, body },
      ...(code ? { code } : {}),
    },
  });
}

/** As Apollo's data source: the operation is no more cacheable than the subgraph's Cache-Control says. */
function restrictCachePolicy(
  policy: { restrict?: (hint: { maxAge?: number; scope?: 'PUBLIC' | 'PRIVATE' }) => void } | undefined,
  response: SubgraphResponse,
) {
  if (!policy?.restrict) return;
  const directives = new Map(
    (response.headers.get('cache-control') ?? '').split(',').map((part) => {
      const [name, value] = part.trim().split('=');
      return [name!.toLowerCase(), value ?? true] as [string, string | true];
    }),
  );
  const maxAge = directives.get('max-age');
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = {
    maxAge: typeof maxAge === 'string' && /^[0-9]+$/.test(maxAge) ? Number(maxAge) : 0,
  };
  if (directives.get('private') === true) hint.scope = 'PRIVATE';
  if (directives.get('public') === true) hint.scope = 'PUBLIC';
  policy.restrict(hint);
}
