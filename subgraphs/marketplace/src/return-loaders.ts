import type { EntityManager } from '@mikro-orm/postgresql';
import { byKey, validIds } from '@peerlink/platform/db/sql';
import DataLoader from 'dataloader';
import { OrderItem } from './order.entity.js';
import { ReturnRequestItem } from './return-request.entity.js';

/** Per request: each return request's lines, and the order lines they name. */
export class ReturnLoaders {
  constructor(private readonly em: EntityManager) {}

  readonly items = new DataLoader<string, ReturnRequestItem[]>(async (requestIds) => {
    const found = await this.em.find(
      ReturnRequestItem,
      { requestId: { $in: validIds(requestIds) } },
      { orderBy: { id: 'asc' }, refresh: true },
    );
    return requestIds.map((id) => found.filter((i) => i.requestId === id.toLowerCase()));
  });

  readonly orderItem = new DataLoader<string, OrderItem | null>(async (ids) =>
    byKey(ids, await this.em.find(OrderItem, { id: { $in: validIds(ids) } }), (i) => i.id),
  );
}
