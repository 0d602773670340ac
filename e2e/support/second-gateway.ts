import type { IncomingMessage } from 'node:http';
import { startGateway, type RunningGateway } from '@peerlink/gateway';
import { createLogger } from '@peerlink/platform/logger';
import type { TestStack } from './stack.js';

/** Another gateway on the stack's subgraphs, with some of them reached elsewhere (a test's proxy). */
export function secondGateway(t: TestStack, replaced: Record<string, string>): Promise<RunningGateway> {
  const { config, bus, cache } = t.stack.infrastructure;
  return startGateway({
    config,
    settings: t.stack.config.gateway,
    logger: createLogger({ level: 'silent', service: 'test' }),
    bus,
    cache,
    subgraphUrls: { ...Object.fromEntries(t.stack.subgraphs.map((s) => [s.name, s.url])), ...replaced },
    port: 0,
    host: '127.0.0.1',
  });
}

/** The headers a proxy in front of a subgraph passes on: the body's type, the signed identity, the request id. */
export const forwardedHeaders = (req: IncomingMessage) =>
  Object.fromEntries(
    ['content-type', 'x-peerlink-internal', 'x-request-id'].flatMap((name) =>
      req.headers[name] ? [[name, String(req.headers[name])]] : [],
    ),
  );
