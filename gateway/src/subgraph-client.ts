import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { INTERNAL_TOKEN_HEADER, type InternalTokenCache } from '@peerlink/platform/auth/internal-token';
import type { GatewayContext } from './context.js';
import { keepAliveFetcher } from './keep-alive-fetcher.js';

/**
 * Calls one subgraph. Every request carries the gateway-signed identity and the request id, and is
 * abandoned after the upstream timeout so one slow subgraph cannot hold a client forever.
 */
export class SubgraphClient extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly subgraph: string, url: string, private readonly tokens: InternalTokenCache, timeoutMs: number) {
    super({ url, fetcher: keepAliveFetcher(timeoutMs) as never });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>) {
    const ctx = context as Partial<GatewayContext>;
    const token = await this.tokens.get({ viewer: ctx.viewer ?? null, client: ctx.client ?? {} }, this.subgraph);
    request.http!.headers.set(INTERNAL_TOKEN_HEADER, token);
    if (ctx.requestId) request.http!.headers.set('x-request-id', ctx.requestId);
  }
}
