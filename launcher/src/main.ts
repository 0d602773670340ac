import { orExit } from '@peerlink/platform/config';
import { DataDirectoryInUseError } from '@peerlink/platform/db/embedded-postgres';
import { createLogger } from '@peerlink/platform/logger';
import { onShutdown } from '@peerlink/platform/shutdown';
import { startTracing } from '@peerlink/platform/tracing';
import { loadStackConfig } from './config.js';
import { startStack } from './stack.js';

/**
 * `npm start`: the whole supergraph in this process. With no configuration it needs nothing
 * outside it (PGlite, in-process bus, memory cache, mail to files under DATA_DIR).
 */
const stackConfig = orExit(() => loadStackConfig());
const config = stackConfig.platform;
const logger = createLogger({ level: config.LOG_LEVEL, service: 'peerlink' });
// Everything in one process: one service in the traces, its spans named by subgraph and field.
const tracing = startTracing('peerlink', { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const starting = startStack(stackConfig, logger);
// A signal during start-up waits for it to settle, then stops whatever it started.
onShutdown(logger, async () => {
  await (await starting.catch(() => undefined))?.stop();
  await tracing?.shutdown();
});
try {
  const stack = await starting;
  logger.info({ adapters: stack.infrastructure.adapters, dataDir: config.DATA_DIR }, 'PeerLink is running');
  console.log(`\n  PeerLink supergraph ready at ${stack.gateway.url}\n  Open it in a browser to explore the schema.\n`);
} catch (error) {
  // startStack has stopped what it started; exit rather than linger with anything it missed.
  if (error instanceof DataDirectoryInUseError) console.error(`PeerLink did not start: ${error.message}`);
  else logger.fatal({ err: error }, 'PeerLink did not start');
  process.exit(1);
}
