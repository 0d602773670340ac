import { loadConfigOrExit } from '@peerlink/platform/config';
import { createLogger } from '@peerlink/platform/logger';
import { onShutdown } from '@peerlink/platform/shutdown';
import { startStack } from './stack.js';

/**
 * `npm start`: the whole supergraph in this process. With no configuration it needs nothing
 * outside it (PGlite, in-process bus, memory cache, mail to files under DATA_DIR).
 */
const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, service: 'peerlink' });
const stack = await startStack(config, logger);
logger.info({ adapters: stack.infrastructure.adapters, dataDir: config.DATA_DIR }, 'PeerLink is running');
console.log(`\n  PeerLink supergraph ready at ${stack.gateway.url}\n  Open it in a browser to explore the schema.\n`);

onShutdown(logger, () => stack.stop());
