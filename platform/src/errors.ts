import { GraphQLError, type GraphQLFormattedError } from 'graphql';

/** The stable `extensions.code` values clients can branch on. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export const badInput = (message: string, field?: string) =>
  new AppError('BAD_USER_INPUT', message, field ? { field } : {});
export const unauthenticated = (message = 'You must be signed in.') => new AppError('UNAUTHENTICATED', message);
export const forbidden = (message = 'You are not allowed to do that.') => new AppError('FORBIDDEN', message);
export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found.`);
export const conflict = (message: string, field?: string) => new AppError('CONFLICT', message, field ? { field } : {});
export const rateLimited = (retryAfterSeconds: number) =>
  new AppError('RATE_LIMITED', 'Too many attempts; try again later.', { retryAfterSeconds });

/**
 * Shared infrastructure (the cache) cannot be reached. Callers that can do without it (the feed reads
 * Postgres, the gateway skips rate limiting) catch it; anything else tells the client to try again.
 */
export class InfrastructureUnavailable extends Error {
  override name = 'InfrastructureUnavailable';
}

const knownCodes = new Set<string>([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'RATE_LIMITED',
  'SERVICE_UNAVAILABLE',
  // Codes Apollo Server itself uses for malformed requests.
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'OPERATION_RESOLUTION_FAILURE',
  // The gateway's cost limit (gateway/src/query-cost.ts): extensions carry the cost and the limit.
  'QUERY_TOO_COSTLY',
]);

/**
 * Clients see the message of errors we raised on purpose; anything else (a bug, a database error)
 * becomes a generic INTERNAL_SERVER_ERROR so no stack trace or SQL leaks. The caller logs the original.
 */
export function formatError(
  formatted: GraphQLFormattedError,
  error: unknown,
  outsideServiceDown?: (error: unknown) => boolean,
): GraphQLFormattedError {
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && knownCodes.has(code)) {
    const { stacktrace: _stack, exception: _exception, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const original = (error as { originalError?: unknown })?.originalError;
  if (original instanceof InfrastructureUnavailable || outsideServiceDown?.(original) || databaseOverloaded(error)) {
    return {
      message: 'A service is briefly unavailable; try again shortly.',
      path: formatted.path,
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    };
  }
  if (isValidationError(error)) {
    return { message: formatted.message, path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } };
  }
  // A safety net for races the services' own checks cannot close (two sign-ups with one email at
  // the same instant) and input the database refuses: the client gets a proper code, not a 500.
  // Neither message is the database's: it would quote the user's input, and the SQL.
  const sqlState = postgresCode(error);
  if (sqlState === '23505')
    return { message: 'That already exists.', path: formatted.path, extensions: { code: 'CONFLICT' } };
  // Class 22 is "data exception": a value the column or function refuses (bad encoding, too long, out of range).
  if (sqlState?.startsWith('22'))
    return { message: 'The input is not valid.', path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } };
  return { message: 'Internal server error.', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/**
 * The database could not take the work now, not a fault of the request: no connection free in the
 * pool in time, the server out of connections or resources (class 53), starting up or shutting down
 * (57P0x), or the statement cancelled by DATABASE_STATEMENT_TIMEOUT_MS (57014). Worth a retry.
 */
function databaseOverloaded(error: unknown): boolean {
  const sqlState = postgresCode(error);
  if (sqlState && (sqlState.startsWith('53') || sqlState.startsWith('57P0') || sqlState === '57014')) return true;
  // The pool's timeout, as knex throws it or as MikroORM wraps it (a DriverException with its message).
  const original = (error as { originalError?: { name?: unknown; message?: unknown } })?.originalError;
  return (
    original?.name === 'KnexTimeoutError' ||
    (typeof original?.message === 'string' && original.message.startsWith('Knex: Timeout acquiring a connection'))
  );
}

function postgresCode(error: unknown): string | undefined {
  const original = (error as { originalError?: { code?: unknown } })?.originalError;
  return typeof original?.code === 'string' ? original.code : undefined;
}

/** type-graphql reports invalid arguments (e.g. a scalar it could not parse) as ArgumentValidationError. */
function isValidationError(error: unknown): boolean {
  const original = (error as { originalError?: { name?: string } })?.originalError;
  return original?.name === 'ArgumentValidationError';
}
