import type { ChatEvents } from '@peerlink/contracts/chat';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { LearningEvents } from '@peerlink/contracts/learning';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { Repeating } from '@peerlink/platform/background/repeating';
import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import { driveConfig, type DriveConfig } from './config.js';
import { chatEventHandlers } from './chat-events.handler.js';
import { marketplaceEventHandlers } from './marketplace-events.handler.js';
import { returnPhotoHandlers } from './return-photos.handler.js';
import { learningEventHandlers } from './learning-events.handler.js';
import { liveSessionsEventHandlers } from './live-sessions-events.handler.js';
import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import type { DriveServices } from './context.js';
import type { DriveEvents } from '@peerlink/contracts/drive';
import { DriveFile, FileShare, FileVersion, Upload } from './file.entity.js';
import { FileResolver, FileShareResolver, FileVersionResolver } from './file.resolver.js';
import { TrashResolver } from './trash.resolver.js';
import { TrashService } from './trash.service.js';
import { FileService } from './file.service.js';
import { DriveLoaders } from './loaders.js';
import { migrations } from './migrations/index.js';
import { Person, rememberPerson } from '@peerlink/platform/accounts/people';
import { fileRoutes } from './routes.js';
import { UploadService } from './upload.service.js';

/** Files: uploads through signed URLs, versions, sharing, quotas; the bytes live in object storage. */
export const drive: SubgraphDefinition<DriveServices, DriveLoaders, DriveConfig> = {
  name: 'drive',
  config: driveConfig,
  entities: [Person, DriveFile, FileVersion, FileShare, Upload],
  migrations,
  resolvers: [FileResolver, TrashResolver, FileVersionResolver, FileShareResolver],
  references: {
    File: (reference: { id: string }, ctx: { loaders: DriveLoaders }) => ctx.loaders.readable(reference.id),
  },

  async start({ bus, config, logger, storage }, orm, settings) {
    await storage.prepare();
    const outbox = new Outbox<DriveEvents>(orm, bus, logger);
    const uploads = new UploadService(orm, outbox, storage, {
      quotaBytes: settings.DRIVE_QUOTA_BYTES,
      maxFileBytes: settings.DRIVE_MAX_FILE_BYTES,
    });
    const files = new FileService(orm, outbox, storage, settings.DRIVE_QUOTA_BYTES, config.FILES_PUBLIC_URL);
    const trash = new TrashService(orm, outbox, storage, uploads, settings.DRIVE_TRASH_DAYS);
    const sweeper = new Repeating('upload sweep', 60_000, () => uploads.sweep(), logger).start();
    const trashSweeper = new Repeating('trash purge', 10 * 60_000, () => trash.sweep(), logger).start();
    const stopConsuming = await consumeEvents<
      IdentityEvents & ChatEvents & MarketplaceEvents & LearningEvents & LiveSessionEvents,
      DriveEvents
    >({
      bus,
      outbox,
      consumer: 'drive',
      handlers: {
        // Files are shared only with accounts drive has heard of.
        'identity.user.registered': rememberPerson,
        'identity.user.updated': rememberPerson,
        ...chatEventHandlers(),
        ...marketplaceEventHandlers(),
        ...returnPhotoHandlers(),
        ...learningEventHandlers(),
        ...liveSessionsEventHandlers(),
      },
      logger,
    });
    return {
      services: { files, uploads, trash },
      createLoaders: (viewer) => new DriveLoaders(orm.em as never, viewer),
      routes: { '/files': fileRoutes(orm, storage, logger) },
      async stop() {
        await sweeper.stop();
        await trashSweeper.stop();
        await stopConsuming();
        await outbox.close();
      },
    };
  },
};

// The package exports only this file: the end-to-end specs reach the trash and replay a return's photo check through
// these.
export type { DriveServices } from './context.js';
export { returnPhotoHandlers };
