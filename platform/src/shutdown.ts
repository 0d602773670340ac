import type { Logger } from './logger.js';

/**
 * Runs `stop` once on SIGINT or SIGTERM, then exits. `process.on`, not `once`: some libraries
 * re-raise a signal when they see no other listener for it, which would kill us mid-shutdown.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>) {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop()
      .then(() => process.exit(0))
      .catch((err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
