import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { lockKey, table, uuidArray } from '@peerlink/platform/db/sql';
import type { EventHandlers } from '@peerlink/platform/events/consumer';
import type { DriveEvents } from '@peerlink/contracts/drive';

/** An order's status in which its buyer keeps what it bought: paid, and on its way or arrived. */
const OWNED = new Set(['PAID', 'SHIPPED', 'DELIVERED']);

/**
 * Digital goods. When an order is paid, its buyer may read the files it bought, provided the
 * order's seller owns them (nobody sells someone else's file); cancelled or refunded, that ends
 * for good. Events about one order may arrive in any order and at once: each takes the order's
 * lock, and an ended order leaves a revocation that a late "paid" cannot get past.
 */
export function marketplaceEventHandlers(): EventHandlers<MarketplaceEvents, DriveEvents> {
  return {
    'marketplace.order.changed': {
      when: ({ digitalFileIds }) => digitalFileIds.length > 0,
      handle: async ({ orderId, buyerId, sellerId, status, digitalFileIds }, { em }) => {
        await lockKey(em, `purchase:${orderId}`);
        const grants = table(em, 'purchase_grants');
        const revocations = table(em, 'purchase_revocations');
        if (OWNED.has(status)) {
          await em.execute(
            `insert into ${grants} (order_id, file_id, buyer_id)
             select ?, f.id, ? from ${table(em, 'files')} f
             where f.id = any(?::uuid[]) and f.owner_id = ? and not exists (select 1 from ${revocations} where order_id
               = ?)
             on conflict do nothing`,
            [orderId, buyerId, uuidArray(digitalFileIds), sellerId, orderId],
          );
        } else {
          await em.execute(`insert into ${revocations} (order_id) values (?) on conflict do nothing`, [orderId]);
          await em.execute(`delete from ${grants} where order_id = ?`, [orderId]);
        }
      },
    },
  };
}
