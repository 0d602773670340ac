import type { GraphQLFormattedError } from 'graphql';

type SubgraphResponse = { status?: number; body?: { errors?: GraphQLFormattedError[] } };

/**
 * The gateway passes a custom scalar's variables (SafeInt, DateTimeISO) through unparsed; the
 * subgraph that declares the scalar parses them and refuses a bad one with HTTP 400. That refusal is
 * the client's bad input, so it keeps its BAD_USER_INPUT instead of becoming an internal error.
 */
export function refusedInput(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError | null {
  const response = ((error as { extensions?: { response?: SubgraphResponse } })?.extensions?.response ??
    formatted.extensions?.response) as SubgraphResponse | undefined;
  if (response?.status !== 400) return null;
  const refusal = response.body?.errors?.find((e) => e.extensions?.code === 'BAD_USER_INPUT');
  return refusal ? { message: refusal.message, path: formatted.path, extensions: { code: 'BAD_USER_INPUT' } } : null;
}
