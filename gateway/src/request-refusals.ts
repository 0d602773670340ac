import type { GraphQLFormattedError } from 'graphql';

/**
 * Apollo Server refuses some malformed requests (a persisted query whose hash does not match its
 * text) with HTTP 400 but no error code, which would read as INTERNAL_SERVER_ERROR and log a stack
 * on every request: a lever for flooding the log. A 4xx Apollo chose is the client's mistake.
 */
export function malformedRequest(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError | null {
  const status = (error as { extensions?: { http?: { status?: unknown } } })?.extensions?.http?.status;
  if (
    typeof status !== 'number' ||
    status < 400 ||
    status >= 500 ||
    formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR'
  )
    return null;
  return { message: formatted.message, extensions: { code: 'BAD_REQUEST' } };
}
