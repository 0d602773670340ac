import { loadConfig, loadSlices, orExit } from '../config.js';
import { createInfrastructure } from '../infrastructure.js';
import { createLogger } from '../logger.js';
import { onShutdown } from '../shutdown.js';
import { startTracing } from '../tracing.js';
import { startSubgraph } from './start-subgraph.js';
import type { AnySubgraphDefinition } from './subgraph.js';

/** Runs one subgraph as its own process (the distributed setup), until SIGINT or SIGTERM. */
export async function runStandalone(definition: AnySubgraphDefinition, options: { defaultPort: number }) {
  const { config, settings } = orExit(() => {
    const config = loadConfig();
    const slices = loadSlices(process.env, config, definition.config ? { [definition.name]: definition.config } : {});
    return { config, settings: slices[definition.name] };
  });
  const logger = createLogger({ level: config.LOG_LEVEL, service: definition.name });
  const tracing = startTracing(`peerlink-${definition.name}`, { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const infrastructure = await createInfrastructure(config, logger);
  const subgraph = await startSubgraph(definition, infrastructure, settings, {
    port: process.env.PORT ? config.PORT : options.defaultPort,
    host: config.HOST,
    // Shared databases are migrated by `npm run migrate`, deliberately; an embedded one on start.
    migrateOnStart: !config.DATABASE_URL,
  });
  logger.info({ url: subgraph.url, adapters: infrastructure.adapters }, `${definition.name} subgraph ready`);
  onShutdown(logger, async () => {
    await subgraph.stop();
    await infrastructure.close();
    await tracing?.shutdown();
  });
}
