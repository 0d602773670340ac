import { loadConfigOrExit } from '@peerlink/platform/config';
import { createInfrastructure } from '@peerlink/platform/infrastructure';
import { createLogger } from '@peerlink/platform/logger';
import { onShutdown } from '@peerlink/platform/shutdown';
import { startGateway } from './gateway.js';

/** The gateway as its own process, in front of subgraphs at SUBGRAPH_URLS (or the supergraph's URLs). */
const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, service: 'gateway' });
const infrastructure = await createInfrastructure(config, logger);
const gateway = await startGateway({ config, logger, bus: infrastructure.bus, cache: infrastructure.cache, port: config.PORT, host: config.HOST });
logger.info({ url: gateway.url, supergraph: config.SUPERGRAPH_PATH }, 'gateway ready');

onShutdown(logger, async () => {
  await gateway.stop();
  await infrastructure.close();
});
