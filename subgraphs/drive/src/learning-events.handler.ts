import type { DriveEvents } from '@peerlink/contracts/drive';
import type { LearningEvents } from '@peerlink/contracts/learning';
import { table } from '@peerlink/platform/db/sql';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import { isUuid } from '@peerlink/platform/ids';
import { registerStoredFile } from './stored-file.js';

/**
 * Learning's requests. A lecture's video source. Only the instructor's own file, fully uploaded and not in the trash,
 * is handed over; its current version is what gets transcoded. Answering twice answers the same.
 */
export function learningEventHandlers(): EventHandlers<LearningEvents, DriveEvents> {
  return {
    'learning.video.source_requested': async ({ jobId, lectureId, fileId, ownerId }, { em, publish }) => {
      const [file] = isUuid(fileId)
        ? await em.execute<{ storage_key: string; size: string; mime_type: string; name: string }[]>(
            `select v.storage_key, v.size, f.mime_type, f.name
             from ${table(em, 'files')} f join ${table(em, 'file_versions')} v on v.id = f.current_version_id
             where f.id = ? and f.owner_id = ? and f.deleted_at is null`,
            [fileId, ownerId],
          )
        : [];
      publish('drive.video_source.checked', {
        jobId,
        lectureId,
        fileId,
        source: file
          ? { storageKey: file.storage_key, size: Number(file.size), mimeType: file.mime_type, name: file.name }
          : null,
        refusal: file ? null : 'The file was not found among your uploaded files (or it is in the trash).',
      });
    },
    /**
     * A completion certificate learning drew and stored: it becomes the student's own private file,
     * under the id learning chose (so learning can name it), with the stored object as its first version.
     */
    'learning.certificate.issued': async (
      { userId, fileId, fileName, storageKey, size, checksum },
      { em, publish },
    ) => {
      await registerStoredFile(em, publish, {
        fileId,
        ownerId: userId,
        name: fileName,
        mimeType: 'application/pdf',
        visibility: 'PRIVATE',
        size,
        checksum,
        storageKey,
      });
    },
  };
}
