import type { EntityManager } from '@mikro-orm/postgresql';
import type { DriveEvents } from '@peerlink/contracts/drive';
import { table } from '@peerlink/platform/db/sql';
import type { Publish } from '@peerlink/platform/events/outbox';
import { uuidv7 } from '@peerlink/platform/ids';

/**
 * Registers an object another domain stored (a certificate, a recording) as `ownerId`'s file `fileId`,
 * the id that domain chose, with the object as its first version (told as `drive.file.version_added`). False when
 * it is registered already.
 */
export async function registerStoredFile(
  em: EntityManager,
  publish: Publish<DriveEvents>,
  stored: {
    fileId: string;
    ownerId: string;
    name: string;
    mimeType: string;
    visibility: 'PRIVATE' | 'RESTRICTED';
    size: number;
    checksum: string;
    storageKey: string;
  },
): Promise<boolean> {
  const versionId = uuidv7();
  const [file] = await em.execute<{ id: string }[]>(
    `insert into ${table(em, 'files')}
       (id, owner_id, name, mime_type, visibility, current_version_id, created_at, updated_at)
     values (?, ?, ?, ?, ?, ?, now(), now())
     on conflict (id) do nothing returning id`,
    [stored.fileId, stored.ownerId, stored.name, stored.mimeType, stored.visibility, versionId],
  );
  if (!file) return false;
  await em.execute(
    `insert into ${table(em, 'file_versions')}
       (id, file_id, number, size, checksum, storage_key, uploaded_by, created_at)
     values (?, ?, 1, ?, ?, ?, ?, now())`,
    [versionId, stored.fileId, stored.size, stored.checksum, stored.storageKey, stored.ownerId],
  );
  publish('drive.file.version_added', {
    fileId: stored.fileId,
    versionId,
    ownerId: stored.ownerId,
    uploadedBy: stored.ownerId,
    number: 1,
    size: stored.size,
    mimeType: stored.mimeType,
    previousMimeType: null,
  });
  return true;
}
