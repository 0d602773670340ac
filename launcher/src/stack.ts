import { startGateway, type RunningGateway } from '@peerlink/gateway';
import type { Config } from '@peerlink/platform/config';
import { startSubgraph, type StartedSubgraph } from '@peerlink/platform/graphql/start-subgraph';
import { createInfrastructure, type Infrastructure } from '@peerlink/platform/infrastructure';
import type { Logger } from '@peerlink/platform/logger';
import { subgraphs } from './subgraphs.js';

export interface Stack {
  gateway: RunningGateway;
  subgraphs: StartedSubgraph[];
  infrastructure: Infrastructure;
  stop(): Promise<void>;
}

/**
 * The whole supergraph in one process: every subgraph on a free loopback port, the gateway on PORT
 * in front of them, sharing one set of adapters. Used by `npm start` and by the end-to-end tests.
 */
export async function startStack(config: Config, logger: Logger, options: { migrate?: boolean } = {}): Promise<Stack> {
  const infrastructure = await createInfrastructure(config, logger);
  const started: StartedSubgraph[] = [];
  try {
    for (const { definition } of subgraphs) {
      started.push(
        await startSubgraph(definition, infrastructure, { port: 0, host: '127.0.0.1', migrateOnStart: options.migrate ?? !config.DATABASE_URL }),
      );
    }
    const gateway = await startGateway({
      config,
      logger: logger.child({ service: 'gateway' }),
      bus: infrastructure.bus,
      cache: infrastructure.cache,
      subgraphUrls: Object.fromEntries(started.map((s) => [s.name, s.url])),
      port: config.PORT,
      host: config.HOST,
    });
    return {
      gateway,
      subgraphs: started,
      infrastructure,
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
