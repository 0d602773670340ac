import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { table, uuidArray } from '@peerlink/platform/db/sql';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { DriveEvents } from '@peerlink/contracts/drive';

/**
 * Photos of a return request. The buyer names files of their own; drive lets the order's seller
 * read those (admins read every file anyway) and answers which it accepted. Files of anyone else,
 * unfinished uploads and files in the trash are refused. The grant lasts as long as the file.
 */
export function returnPhotoHandlers(): EventHandlers<MarketplaceEvents, DriveEvents> {
  return {
    'marketplace.return.changed': {
      when: ({ previousStatus, photoIds }) => previousStatus === null && photoIds.length > 0,
      handle: async ({ returnRequestId, buyerId, sellerId, photoIds }, { em, publish }) => {
        // A grant already made counts as accepted (`do update` returns it, `do nothing` would not), so
        // running again for one request answers the same rather than refusing every photo.
        const accepted = (
          await em.execute<{ id: string }[]>(
            `insert into ${table(em, 'return_photo_grants')} (request_id, file_id, seller_id)
             select ?, f.id, ? from ${table(em, 'files')} f
             where f.id = any(?::uuid[]) and f.owner_id = ? and f.current_version_id is not null and f.deleted_at is
               null
             on conflict (request_id, file_id) do update set seller_id = excluded.seller_id
             returning file_id as id`,
            [returnRequestId, sellerId, uuidArray(photoIds), buyerId],
          )
        ).map((r) => r.id);
        publish('drive.return_photos.checked', {
          returnRequestId,
          accepted,
          refused: photoIds.filter((id) => !accepted.includes(id)),
        });
      },
    },
  };
}
