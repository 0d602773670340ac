import { loadConfig, loadSlices, orExit } from '@peerlink/platform/config';
import { createInfrastructure } from '@peerlink/platform/infrastructure';
import { createLogger } from '@peerlink/platform/logger';
import { onShutdown } from '@peerlink/platform/shutdown';
import { startTracing } from '@peerlink/platform/tracing';
import { gatewayConfig } from './config.js';
import { startGateway } from './gateway.js';

/** The gateway as its own process, in front of subgraphs at SUBGRAPH_URLS (or the supergraph's URLs). */
const { config, settings } = orExit(() => {
  const config = loadConfig();
  return { config, settings: loadSlices(process.env, config, { gateway: gatewayConfig }).gateway };
});
const logger = createLogger({ level: config.LOG_LEVEL, service: 'gateway' });
const tracing = startTracing('peerlink-gateway', { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const infrastructure = await createInfrastructure(config, logger);
const gateway = await startGateway({
  config,
  settings,
  logger,
  bus: infrastructure.bus,
  cache: infrastructure.cache,
  port: config.PORT,
  host: config.HOST,
});
logger.info({ url: gateway.url, supergraph: settings.SUPERGRAPH_PATH }, 'gateway ready');

onShutdown(logger, async () => {
  await gateway.stop();
  await infrastructure.close();
  await tracing?.shutdown();
});
