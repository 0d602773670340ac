import { loadConfigOrExit } from '@peerlink/platform/config';
import { NatsEventBus } from '@peerlink/platform/events/nats-event-bus';
import { createLogger } from '@peerlink/platform/logger';

/**
 * `npm run dead-letters -- list` / `npm run dead-letters -- replay <id>`: the operator's view of
 * events a consumer gave up on. Needs NATS_URL; the embedded bus lives inside the running process,
 * so there use the admin-only `deadLetters` query and `replayDeadLetter` mutation instead.
 */
const [command = 'list', id] = process.argv.slice(2);
const config = loadConfigOrExit();
if (!config.NATS_URL) {
  console.error('NATS_URL is not set. In embedded mode, query `deadLetters` (and `replayDeadLetter`) as an admin.');
  process.exit(2);
}
const bus = await NatsEventBus.connect(
  config.NATS_URL,
  config.EVENT_NAMESPACE,
  { maxAttempts: config.EVENT_MAX_ATTEMPTS, baseDelayMs: config.EVENT_RETRY_BASE_MS },
  createLogger({ level: 'warn', service: 'dead-letters' }),
);
try {
  if (command === 'list') {
    const letters = await bus.deadLetters();
    if (!letters.length) console.log('No dead letters.');
    for (const letter of letters) {
      console.log(`${letter.id}\t${letter.failedAt}\t${letter.consumer}\t${letter.event.name}\t${letter.attempts} attempts\t${letter.error}`);
    }
  } else if (command === 'replay' && id) {
    console.log((await bus.replayDeadLetter(id)) ? `Replayed ${id}.` : `No dead letter ${id}.`);
  } else {
    console.error('Usage: npm run dead-letters -- list | replay <id>');
    process.exitCode = 2;
  }
} finally {
  await bus.close();
}
