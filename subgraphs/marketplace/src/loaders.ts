import type { EntityManager } from '@mikro-orm/postgresql';
import { holdsRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { byKey, validIds } from '@peerlink/platform/db/sql';
import DataLoader from 'dataloader';
import { Order, OrderItem } from './order.entity.js';
import { Category, ON_SALE, Product } from './product.entity.js';

/** What a request reads, batched per request. */
export class MarketplaceLoaders {
  constructor(
    private readonly em: EntityManager,
    readonly viewer: Viewer | null,
  ) {}

  /** Read only when a decision needs it: it may say SERVICE_UNAVAILABLE when the role cannot be confirmed. */
  get admin(): boolean {
    return holdsRole(this.viewer, 'ADMIN');
  }

  readonly product = new DataLoader<string, Product | null>(async (ids) => {
    const found = await this.em.find(Product, { id: { $in: validIds(ids) } }, { refresh: true });
    return byKey(ids, found, (p) => p.id);
  });

  readonly category = new DataLoader<string, Category | null>(async (ids) => {
    const found = await this.em.find(Category, { id: { $in: validIds(ids) } });
    return byKey(ids, found, (c) => c.id);
  });

  readonly order = new DataLoader<string, Order | null>(async (ids) => {
    const found = await this.em.find(Order, { id: { $in: validIds(ids) } }, { refresh: true });
    return byKey(ids, found, (o) => o.id);
  });

  readonly items = new DataLoader<string, OrderItem[]>(async (orderIds) => {
    const found = await this.em.find(OrderItem, { orderId: { $in: validIds(orderIds) } }, { orderBy: { id: 'asc' } });
    return orderIds.map((id) => found.filter((i) => i.orderId === id.toLowerCase()));
  });

  /** Products on sale are public; drafts and archived ones only their seller's (and admins'). */
  maySee(product: Product): boolean {
    return ON_SALE.includes(product.status) || product.sellerId === this.viewer?.userId || this.admin;
  }

  /** An order is its buyer's and its seller's (and admins'). */
  mayRead(order: Order): boolean {
    return order.buyerId === this.viewer?.userId || order.sellerId === this.viewer?.userId || this.admin;
  }
}
