import { loadConfigOrExit } from '@peerlink/platform/config';
import { DEFAULT_DEAD_LETTER_PAGE, MAX_DEAD_LETTER_PAGE } from '@peerlink/platform/events/event-bus';
import { NatsEventBus } from '@peerlink/platform/events/nats-event-bus';
import { createLogger } from '@peerlink/platform/logger';

/**
 * `npm run dead-letters -- list [limit] [after]` / `npm run dead-letters -- replay <id>`: the
 * operator's view of events a consumer gave up on, oldest first, `limit` at a time (the last line
 * says how to go on). Needs NATS_URL; the embedded bus lives inside the running process, so there
 * use the admin-only `deadLetters` query and `replayDeadLetter` mutation instead.
 */
const USAGE =
  `Usage: npm run dead-letters -- list [limit (1-${MAX_DEAD_LETTER_PAGE}, default ` +
  `${DEFAULT_DEAD_LETTER_PAGE})] [after id] | replay <id>`;
const [command = 'list', ...args] = process.argv.slice(2);
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
    const [asked, after] = args;
    const limit = asked === undefined ? DEFAULT_DEAD_LETTER_PAGE : Number(asked);
    const letters = await bus.deadLetters({ limit, after });
    if (!letters.length) console.log(after ? `No dead letters after ${after}.` : 'No dead letters.');
    for (const letter of letters) {
      console.log(
        `${letter.id}\t${letter.failedAt}\t${letter.consumer}\t${letter.event.name}\t${letter.attempts} ` +
          `attempts\t${letter.error}`,
      );
    }
    if (letters.length === limit)
      console.log(`More may follow: npm run dead-letters -- list ${limit} ${letters.at(-1)!.id}`);
  } else if (command === 'replay' && args[0]) {
    const [id] = args;
    console.log((await bus.replayDeadLetter(id)) ? `Replayed ${id}.` : `No dead letter ${id}.`);
  } else {
    console.error(USAGE);
    process.exitCode = 2;
  }
} catch (error) {
  // A limit or id the bus refuses: say which, not a stack trace.
  if (!(error instanceof RangeError)) throw error;
  console.error(`${error.message}\n${USAGE}`);
  process.exitCode = 2;
} finally {
  await bus.close();
}
