import { loadConfigOrExit } from '@peerlink/platform/config';
import { migrate, openDatabase } from '@peerlink/platform/db/database';
import { createLogger } from '@peerlink/platform/logger';
import { subgraphs } from './subgraphs.js';

/**
 * `npm run migrate [subgraph…]`: applies pending migrations to each subgraph's schema in
 * DATABASE_URL (or the embedded databases under DATA_DIR). Safe to run repeatedly.
 */
const config = loadConfigOrExit();
const logger = createLogger({ level: config.LOG_LEVEL, service: 'migrate' });
const only = process.argv.slice(2);
const unknown = only.filter((name) => !subgraphs.some((s) => s.definition.name === name));
if (unknown.length) {
  console.error(
    `Unknown subgraph: ${unknown.join(', ')}. Known: ${subgraphs.map((s) => s.definition.name).join(', ')}`,
  );
  process.exit(2);
}
for (const { definition } of subgraphs) {
  if (only.length && !only.includes(definition.name)) continue;
  const orm = await openDatabase({ ...definition, databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, logger });
  try {
    const applied = await migrate(orm);
    console.log(`${definition.name}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
  } finally {
    await orm.close();
  }
}
