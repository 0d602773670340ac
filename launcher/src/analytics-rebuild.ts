import { rebuild } from '@peerlink/analytics';
import { loadConfigOrExit } from '@peerlink/platform/config';
import { openDatabase } from '@peerlink/platform/db/database';
import { createLogger } from '@peerlink/platform/logger';
import { subgraphs } from './subgraphs.js';

/**
 * `npm run analytics:rebuild`: throws the analytics read models away and folds its event log through
 * the projection again (DATABASE_URL, or the embedded database under DATA_DIR). The reports give the
 * same figures after as the live projection did; run it after changing the projection.
 */
const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, service: 'analytics-rebuild' });
const definition = subgraphs.find((s) => s.definition.name === 'analytics')!.definition;
const orm = await openDatabase({ ...definition, databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, logger });
try {
  const { events, facts } = await rebuild(orm.em as never);
  console.log(`analytics: folded ${events} events into ${facts} facts`);
} finally {
  await orm.close();
}
