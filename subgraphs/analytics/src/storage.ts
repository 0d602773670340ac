import type { DriveEvents } from '@peerlink/contracts/drive';
import { table } from '@peerlink/platform/db/sql';
import type { ReadModel } from './read-model.js';

/** What the storage report hears from drive. */
export type StorageAnalyticsEvents = Pick<DriveEvents, 'drive.file.version_added' | 'drive.files.purged'>;

/** A version is kept by its id, a purge by its file (a file goes once): duplicates and disorder change nothing. */
export const storage: ReadModel<StorageAnalyticsEvents> = {
  kept: {
    'drive.file.version_added': ['fileId', 'versionId', 'ownerId', 'number', 'size', 'mimeType'],
    'drive.files.purged': ['files'],
  },
  tables: ['stored_versions', 'purged_files'],
  fold: {
    'drive.file.version_added': (em, e, event) =>
      em.execute(
        `insert into ${table(em, 'stored_versions')}
         (version_id, file_id, owner_id, number, size, mime_type, occurred_at, event_id)
       values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (version_id) do nothing`,
        [e.versionId, e.fileId, e.ownerId, e.number, e.size, e.mimeType, event.occurredAt, event.id],
      ),
    'drive.files.purged': async (em, e, event) => {
      for (const file of e.files)
        await em.execute(
          `insert into ${table(em, 'purged_files')}
             (file_id, owner_id, mime_type, bytes, versions, occurred_at, event_id)
           values (?, ?, ?, ?, ?, ?, ?) on conflict (file_id) do nothing`,
          [file.fileId, file.ownerId, file.mimeType, file.bytes, file.versions, event.occurredAt, event.id],
        );
    },
  },
};
