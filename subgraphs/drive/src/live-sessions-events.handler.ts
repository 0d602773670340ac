import type { DriveEvents } from '@peerlink/contracts/drive';
import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import { table, uuidArray } from '@peerlink/platform/db/sql';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import { registerStoredFile } from './stored-file.js';

/**
 * A session's recording, stored by live-sessions: it becomes the host's file under the id live-sessions
 * chose, shared (as viewers) with everyone who was in the session, or private when nobody else was.
 */
export function liveSessionsEventHandlers(): EventHandlers<LiveSessionEvents, DriveEvents> {
  return {
    'live-sessions.recording.ready': async (recording, { em, publish }) => {
      const { hostId, fileId, fileName, mimeType, storageKey, size, checksum, participantIds } = recording;
      const registered = await registerStoredFile(em, publish, {
        fileId,
        ownerId: hostId,
        name: fileName,
        mimeType,
        visibility: participantIds.length ? 'RESTRICTED' : 'PRIVATE',
        size,
        checksum,
        storageKey,
      });
      if (!registered) return;
      if (participantIds.length)
        await em.execute(
          `insert into ${table(em, 'file_shares')} (file_id, user_id, role, created_at)
           select ?, user_id, 'VIEWER', now() from unnest(?::uuid[]) as shared(user_id) on conflict do nothing`,
          [fileId, uuidArray(participantIds)],
        );
    },
  };
}
