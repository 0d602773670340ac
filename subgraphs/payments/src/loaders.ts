import type { EntityManager } from '@mikro-orm/postgresql';
import { holdsRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { byKey, validIds } from '@peerlink/platform/db/sql';
import DataLoader from 'dataloader';
import { canSee } from './access.js';
import { Payment } from './charges/payment.entity.js';
import { Refund } from './charges/refund.entity.js';

/** What a request reads about payments, batched per request (the gateway may resolve many references at once). */
export class PaymentLoaders {
  constructor(
    private readonly em: EntityManager,
    readonly viewer: Viewer | null,
  ) {}

  /** Read only when a decision needs it: it may say SERVICE_UNAVAILABLE when the role cannot be confirmed. */
  get admin(): boolean {
    return holdsRole(this.viewer, 'ADMIN');
  }

  readonly payment = new DataLoader<string, Payment | null>(async (ids) => {
    const found = await this.em.find(Payment, { id: { $in: validIds(ids) } }, { refresh: true });
    return byKey(ids, found, (p) => p.id);
  });

  readonly paymentOfOrder = new DataLoader<string, Payment | null>(async (orderIds) => {
    const found = await this.em.find(Payment, { orderId: { $in: validIds(orderIds) } }, { refresh: true });
    return byKey(orderIds, found, (p) => p.orderId);
  });

  readonly refunds = new DataLoader<string, Refund[]>(async (paymentIds) => {
    const found = await this.em.find(Refund, { paymentId: { $in: validIds(paymentIds) } }, { orderBy: { id: 'asc' } });
    return paymentIds.map((id) => found.filter((r) => r.paymentId === id.toLowerCase()));
  });

  /** A payment the viewer may see, or null: to them it does not exist. */
  async visible(id: string): Promise<Payment | null> {
    return this.ifVisible(await this.payment.load(id));
  }

  async visibleOfOrder(orderId: string): Promise<Payment | null> {
    return this.ifVisible(await this.paymentOfOrder.load(orderId));
  }

  private ifVisible(payment: Payment | null): Payment | null {
    return payment && (canSee(payment, this.viewer?.userId ?? null) || this.admin) ? payment : null;
  }
}
