import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError } from 'graphql';
import { type Resolver, wrapResolvers } from './resolver-map.js';

/** How long the gateway will still wait for this answer, in milliseconds; sent with every subgraph call. */
export const TIME_LEFT_HEADER = 'x-time-left-ms';

/**
 * Aborted once nobody will read the answer: the time the gateway said it would wait has passed, or
 * the gateway closed the connection (its client went away, or it gave up). A request without the
 * header (a direct call in tests) gets `maxMs`.
 */
export function requestSignal(req: IncomingMessage, res: ServerResponse, maxMs: number): AbortSignal {
  const header = Number(req.headers[TIME_LEFT_HEADER]);
  const timeLeft = Number.isFinite(header) && header > 0 ? Math.min(header, maxMs) : maxMs;
  return AbortSignal.any([AbortSignal.timeout(timeLeft), closedBeforeAnswered(res, new RequestAbandoned())]);
}

/** Aborted (with `reason`) if the response closes before it is written whole: whoever asked went away. */
export function closedBeforeAnswered(res: ServerResponse, reason?: unknown): AbortSignal {
  const closed = new AbortController();
  // 'close' also follows a normal answer; only one closed before the answer was written means abandoned.
  res.on('close', () => {
    if (!res.writableFinished) closed.abort(reason);
  });
  return closed.signal;
}

/** Work refused because nobody waits for its answer any more. */
export class RequestAbandoned extends GraphQLError {
  constructor() {
    super('The request was abandoned: its deadline passed or its client went away.', {
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
  }
}

/**
 * Wraps the resolvers where a request's reads begin (root fields, entity references, and fields
 * that take arguments, which every list does) so that none starts once the request is abandoned:
 * graphql-js cannot stop an execution, but a deep one then ends at the next such field instead of
 * reading every page below it. The context is the resolver's third argument, a reference's second.
 */
export function stoppedWhenAbandoned(
  resolvers: Record<string, Record<string, unknown>>,
  fieldsWithArguments: (type: string, field: string) => boolean,
) {
  wrapResolvers(resolvers, (resolve, { type, field, kind }) => {
    if (kind === 'reference') return guarded(resolve, 1);
    if (kind === 'root' || fieldsWithArguments(type, field)) return guarded(resolve, 2);
    return undefined;
  });
}

function guarded(resolve: Resolver, contextAt: number): Resolver {
  return function (this: unknown, ...args: unknown[]) {
    const signal = (args[contextAt] as { signal?: AbortSignal } | undefined)?.signal;
    if (signal?.aborted) throw new RequestAbandoned();
    return resolve.apply(this, args);
  };
}
