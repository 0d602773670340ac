import { startGateway, type RunningGateway } from '@peerlink/gateway';
import { startSubgraph, type StartedSubgraph } from '@peerlink/platform/graphql/start-subgraph';
import { createInfrastructure, type Infrastructure } from '@peerlink/platform/infrastructure';
import type { Logger } from '@peerlink/platform/logger';
import type { StackConfig } from './config.js';
import { subgraphs } from './subgraphs.js';

export interface Stack {
  gateway: RunningGateway;
  subgraphs: StartedSubgraph[];
  infrastructure: Infrastructure;
  /** What it was started with, for tests that start a part of it again. */
  config: StackConfig;
  stop(): Promise<void>;
}

/**
 * The whole supergraph in one process: every subgraph on a free loopback port, the gateway on PORT
 * in front of them, sharing one set of adapters. Used by `npm start` and by the end-to-end tests.
 */
export async function startStack(
  stackConfig: StackConfig,
  logger: Logger,
  options: { migrate?: boolean } = {},
): Promise<Stack> {
  const { platform: config } = stackConfig;
  const infrastructure = await createInfrastructure(config, logger);
  const started: StartedSubgraph[] = [];
  try {
    for (const { definition } of subgraphs) {
      started.push(
        await startSubgraph(definition, infrastructure, stackConfig.subgraphs[definition.name], {
          port: 0,
          host: '127.0.0.1',
          migrateOnStart: options.migrate ?? !config.DATABASE_URL,
        }),
      );
    }
    const gateway = await startGateway({
      config,
      settings: stackConfig.gateway,
      logger: logger.child({ service: 'gateway' }),
      bus: infrastructure.bus,
      cache: infrastructure.cache,
      subgraphUrls: Object.fromEntries(started.map((s) => [s.name, s.url])),
      port: config.PORT,
      host: config.HOST,
    });
    infrastructure.gatewayUrl = gateway.url;
    return {
      gateway,
      subgraphs: started,
      infrastructure,
      config: stackConfig,
      async stop() {
        await gateway.stop();
        for (const subgraph of started.reverse()) await subgraph.stop();
        await infrastructure.close();
      },
    };
  } catch (error) {
    for (const subgraph of started) await subgraph.stop().catch(() => {});
    await infrastructure.close().catch(() => {});
    throw error;
  }
}
