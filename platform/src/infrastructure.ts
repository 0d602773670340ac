import { join } from 'node:path';
import type { Cache } from './cache/cache.js';
import { MemoryCache } from './cache/memory-cache.js';
import { RedisCache } from './cache/redis-cache.js';
import type { Config } from './config.js';
import type { EventBus } from './events/event-bus.js';
import { InProcessEventBus } from './events/in-process-event-bus.js';
import { NatsEventBus } from './events/nats-event-bus.js';
import type { Logger } from './logger.js';
import { FileMailer } from './mail/file-mailer.js';
import type { Mailer } from './mail/mailer.js';
import { SmtpMailer } from './mail/smtp-mailer.js';
import { LogSms, WebhookSms, type SmsSender } from './sms/sms-sender.js';
import { LocalStorage } from './storage/local-storage.js';
import type { ObjectStorage } from './storage/object-storage.js';
import { S3Storage } from './storage/s3-storage.js';

/** The shared services a process runs on, each behind its interface. */
export interface Infrastructure {
  config: Config;
  logger: Logger;
  bus: EventBus;
  cache: Cache;
  mailer: Mailer;
  sms: SmsSender;
  /** File bytes (drive). */
  storage: ObjectStorage;
  /** Which adapter was chosen for each service, for the start-up log and /readyz. */
  adapters: Record<'database' | 'bus' | 'cache' | 'mail' | 'sms' | 'storage', string>;
  /**
   * Where this process's gateway answers GraphQL, once it does (everything in one process: npm start,
   * the tests, whose port is chosen at start); unset in a distributed setup.
   */
  gatewayUrl?: string;
  close(): Promise<void>;
}

/** The one place adapters are chosen: a configured URL selects the real service, none the embedded one. */
export async function createInfrastructure(config: Config, logger: Logger): Promise<Infrastructure> {
  const retry = { maxAttempts: config.EVENT_MAX_ATTEMPTS, baseDelayMs: config.EVENT_RETRY_BASE_MS };
  const bus = config.NATS_URL
    ? await NatsEventBus.connect(
        config.NATS_URL,
        config.EVENT_NAMESPACE,
        retry,
        logger,
        config.EVENT_CONCURRENCY,
        config.EVENT_ACK_WAIT_MS,
      )
    : new InProcessEventBus(retry, 10_000, logger);
  const cache = config.REDIS_URL
    ? await RedisCache.connect(config.REDIS_URL, config.EVENT_NAMESPACE).catch(async (error: unknown) => {
        // Nothing starts without its cache; the bus already connected must not outlive the failed start.
        await bus.close();
        throw error;
      })
    : new MemoryCache();
  const mailer = config.SMTP_URL
    ? new SmtpMailer(config.SMTP_URL, config.MAIL_FROM)
    : new FileMailer(join(config.DATA_DIR, 'mail'), config.MAIL_FROM, logger);
  const sms = config.SMS_WEBHOOK_URL ? new WebhookSms(config.SMS_WEBHOOK_URL) : new LogSms(logger);
  const storage = config.S3_BUCKET ? openS3Storage(config) : openLocalStorage(config);
  const adapters = {
    database: config.DATABASE_URL ? 'postgres' : 'pglite',
    bus: config.NATS_URL ? 'nats' : 'in-process',
    cache: config.REDIS_URL ? 'redis' : 'memory',
    mail: config.SMTP_URL ? 'smtp' : 'file',
    sms: config.SMS_WEBHOOK_URL ? 'webhook' : 'log',
    storage: storage.kind,
  };
  return {
    config,
    logger,
    bus,
    cache,
    mailer,
    sms,
    storage,
    adapters,
    async close() {
      await bus.close();
      await cache.close();
      await mailer.close();
      await storage.close();
    },
  };
}

function openLocalStorage(config: Config): LocalStorage {
  return new LocalStorage(
    join(config.DATA_DIR, 'files'),
    config.FILE_URL_SECRET ? Buffer.from(config.FILE_URL_SECRET) : undefined,
    config.FILES_PUBLIC_URL,
  );
}

/** Only a client: nothing is contacted until drive prepares it, so other processes need no S3 at all. */
function openS3Storage(config: Config): S3Storage {
  return new S3Storage({
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    bucket: config.S3_BUCKET!,
    // loadConfig requires both whenever S3_BUCKET is set.
    accessKeyId: config.S3_ACCESS_KEY_ID!,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
    forcePathStyle: config.S3_FORCE_PATH_STYLE ?? Boolean(config.S3_ENDPOINT),
  });
}
