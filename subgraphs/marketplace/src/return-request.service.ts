import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { rows, table, uuidArray } from '@peerlink/platform/db/sql';
import { badInput, conflict, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { decodeCursor, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import { prose, text as checkedText } from '@peerlink/platform/text';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import type { MarketplaceLoaders } from './loaders.js';
import { Order, OrderItem } from './order.entity.js';
import { OrderStatus } from './order-states.js';
import { summarize } from './order.service.js';
import { PLATFORM_ACCOUNT_ID } from './platform-account.js';
import { ReturnRequest, ReturnRequestItem } from './return-request.entity.js';
import { ReturnLoaders } from './return-loaders.js';
import { OPEN, REFUNDING, ReturnDecision, ReturnReason, ReturnStatus } from './return-states.js';

export const MAX_RETURN_PHOTOS = 5;
export const MAX_DETAILS_LENGTH = 1000;
export const MAX_ANSWER_LENGTH = 500;

export interface RequestReturnInput {
  orderId: string;
  items: { orderItemId: string; quantity: number }[];
  reason: ReturnReason;
  details?: string | null;
  photoIds?: string[] | null;
}

/** Orders whose money can be asked back: paid, and not yet ended. */
const RETURNABLE = new Set([OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED]);

function text(value: string | null | undefined, field: string, max: number, required: boolean): string {
  return checkedText(value ?? '', field, prose(`The ${field}`, max, required ? 1 : 0));
}

/**
 * Return requests: the buyer asks for money back for some lines of a paid order; the seller accepts
 * (payments refunds through its usual flow, told by `marketplace.return.accepted`) or declines; the
 * buyer may escalate to admins, who decide. Every step locks the order first, then the request, so
 * two steps on one order never interleave and never deadlock.
 */
export class ReturnRequestService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<MarketplaceEvents>,
    /** How long the seller has to answer before the buyer may escalate their silence. */
    private readonly answerSeconds: number,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  /** Batching for one GraphQL request, on the request's entity manager. */
  createLoaders(): ReturnLoaders {
    return new ReturnLoaders(this.em);
  }

  /** The request for its buyer, its seller or an admin; NOT_FOUND for anyone else. */
  async readable(id: string, loaders: MarketplaceLoaders): Promise<ReturnRequest> {
    const request = await this.visible(id, loaders);
    if (!request) throw notFound('Return request');
    return request;
  }

  /** The request, or null for those who may not see it (federation references). */
  async visible(id: string, loaders: MarketplaceLoaders): Promise<ReturnRequest | null> {
    const request = isUuid(id) ? await this.em.findOne(ReturnRequest, { id }, { refresh: true }) : null;
    return request && mayRead(request, loaders) ? request : null;
  }

  /** The buyer's (`as: 'buyer'`) or the seller's requests, newest first. */
  async list(
    viewer: Viewer,
    as: 'buyer' | 'seller',
    status: ReturnStatus | null | undefined,
    first: number | null | undefined,
    after: string | null | undefined,
  ) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const found = await this.em.find(
      ReturnRequest,
      {
        ...(as === 'buyer' ? { buyerId: viewer.userId } : { sellerId: viewer.userId }),
        ...(status ? { status } : {}),
        ...(cursor ? { id: { $lt: cursor.id } } : {}),
      },
      { orderBy: { id: 'desc' }, limit: size + 1, refresh: true },
    );
    return toConnection(found, size);
  }

  /** Admins' queue: escalated requests, longest waiting first. */
  async escalated(viewer: Viewer, first: number | null | undefined, after: string | null | undefined) {
    requireRole(viewer, 'ADMIN', 'Only admins see the escalated returns.');
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const found = await this.em.find(
      ReturnRequest,
      { status: ReturnStatus.ESCALATED, ...(cursor ? { id: { $gt: cursor.id } } : {}) },
      { orderBy: { id: 'asc' }, limit: size + 1, refresh: true },
    );
    return toConnection(found, size);
  }

  /** An order's requests, oldest first, for those who may read the order. */
  ofOrder(order: Order): Promise<ReturnRequest[]> {
    return this.em.find(ReturnRequest, { orderId: order.id }, { orderBy: { id: 'asc' }, refresh: true });
  }

  /** The seller's deadline to answer; after it, the buyer may escalate. */
  answerBy(request: ReturnRequest): Date {
    return new Date(request.createdAt.getTime() + this.answerSeconds * 1000);
  }

  async request(viewer: Viewer, input: RequestReturnInput, loaders: MarketplaceLoaders): Promise<ReturnRequest> {
    const wanted = checkItems(input.items);
    const details = text(input.details, 'details', MAX_DETAILS_LENGTH, input.reason === ReturnReason.OTHER);
    const photoIds = [...new Set((input.photoIds ?? []).map((id) => id.toLowerCase()))];
    if (photoIds.length > MAX_RETURN_PHOTOS) throw badInput(`At most ${MAX_RETURN_PHOTOS} photos.`, 'photoIds');
    if (photoIds.some((id) => !isUuid(id))) throw badInput('Photos are drive file ids.', 'photoIds');
    const order = isUuid(input.orderId) ? await loaders.order.load(input.orderId) : null;
    if (!order || !loaders.mayRead(order)) throw notFound('Order');
    if (order.buyerId !== viewer.userId) throw forbidden('Only the buyer asks for their money back.');

    return this.outbox.transaction(async (em, publish) => {
      const locked = await lockOrder(em, order.id);
      if (!RETURNABLE.has(locked.status))
        throw badInput(`An order that is ${locked.status} cannot be returned.`, 'orderId');
      if (locked.sellerId === PLATFORM_ACCOUNT_ID) throw badInput('Advertising cannot be returned.', 'orderId');
      const lines = await em.find(OrderItem, { orderId: locked.id }, { orderBy: { id: 'asc' } });
      const byId = new Map(lines.map((l) => [l.id, l]));
      const missing = wanted.find((w) => !byId.has(w.orderItemId));
      if (missing) throw badInput(`Order line ${missing.orderItemId} is not in this order.`, 'items');
      const ids = wanted.map((w) => w.orderItemId);
      const open = await rows<{ order_item_id: string }>(
        em,
        `select order_item_id from ${table(em, 'return_request_items')} where open and order_item_id = any(?::uuid[])`,
        [uuidArray(ids)],
      );
      if (open.length) throw conflict('A return request for some of these lines is still open.', 'items');
      const tooMany = wanted.find((w) => w.quantity > byId.get(w.orderItemId)!.quantity);
      if (tooMany)
        throw badInput(
          `Return 1 to ${byId.get(tooMany.orderItemId)!.quantity} of line ${tooMany.orderItemId}: that is ` +
            `what was bought.`,
          'items',
        );
      await refuseUnitsBeyondBought(em, wanted, null);
      if ((await this.left(em, locked)) <= 0)
        throw badInput('Everything paid for this order has been refunded already.', 'orderId');

      const itemsAmount = wanted.reduce((sum, w) => sum + byId.get(w.orderItemId)!.unitAmount * w.quantity, 0);
      const request = em.create(ReturnRequest, {
        orderId: locked.id,
        buyerId: locked.buyerId,
        sellerId: locked.sellerId,
        reason: input.reason,
        details,
        itemsAmount,
        currency: locked.currency,
        photoIds,
        photosChecked: photoIds.length === 0,
      });
      // Lines only name their request by id, so the unit of work must write the request first.
      await em.flush();
      const items = wanted.map((w) =>
        em.create(ReturnRequestItem, { requestId: request.id, orderItemId: w.orderItemId, quantity: w.quantity }),
      );
      await em.flush();
      this.tell(
        publish,
        request,
        null,
        summarize(items.map((i) => ({ title: byId.get(i.orderItemId)!.title, quantity: i.quantity }))),
      );
      return request;
    });
  }

  /** The seller accepts: payments refunds the lines' cost (or what is left of the payment). A retry changes nothing. */
  accept(viewer: Viewer, id: string, loaders: MarketplaceLoaders): Promise<ReturnRequest> {
    return this.step(id, loaders, async (em, publish, request, order) => {
      sellerOnly(viewer, request);
      if (request.status === ReturnStatus.ACCEPTED || request.status === ReturnStatus.REFUNDED) return;
      if (request.status !== ReturnStatus.REQUESTED) throw conflict(`The request is ${request.status}.`, 'id');
      request.answeredAt = new Date();
      await this.startRefund(em, publish, request, order);
    });
  }

  decline(viewer: Viewer, id: string, reason: string, loaders: MarketplaceLoaders): Promise<ReturnRequest> {
    const why = text(reason, 'reason', MAX_ANSWER_LENGTH, true);
    return this.step(id, loaders, async (em, publish, request) => {
      sellerOnly(viewer, request);
      if (request.status === ReturnStatus.DECLINED) return;
      if (request.status !== ReturnStatus.REQUESTED) throw conflict(`The request is ${request.status}.`, 'id');
      request.declineReason = why;
      request.answeredAt = new Date();
      await this.move(em, publish, request, ReturnStatus.DECLINED);
    });
  }

  /** The buyer takes a declined request, a failed refund, or a seller's silence past the deadline to the admins. */
  escalate(
    viewer: Viewer,
    id: string,
    note: string | null | undefined,
    loaders: MarketplaceLoaders,
  ): Promise<ReturnRequest> {
    const said = text(note, 'note', MAX_DETAILS_LENGTH, false) || null;
    return this.step(id, loaders, async (em, publish, request) => {
      if (request.buyerId !== viewer.userId) throw forbidden('Only the buyer escalates a return request.');
      if (request.status === ReturnStatus.ESCALATED) return;
      if (request.status === ReturnStatus.REQUESTED) {
        if (Date.now() < this.answerBy(request).getTime())
          throw badInput(`The seller has until ${this.answerBy(request).toISOString()} to answer.`, 'id');
      } else if (request.status === ReturnStatus.DECLINED || request.status === ReturnStatus.REFUND_FAILED) {
        // It holds its lines again: no other request may hold them meanwhile.
        const open = await rows(
          em,
          `select 1 from ${table(em, 'return_request_items')} o join ${table(em, 'return_request_items')} mine on
             mine.order_item_id = o.order_item_id
           where mine.request_id = ? and o.open limit 1`,
          [request.id],
        );
        if (open.length) throw conflict('Another return request for these lines is open.', 'id');
        // Nor may it ask again for units another request has refunded since.
        await refuseUnitsBeyondBought(em, await linesOf(em, request.id), request.id);
      } else {
        throw conflict(`The request is ${request.status}.`, 'id');
      }
      request.escalationNote = said;
      request.escalatedAt = new Date();
      await this.move(em, publish, request, ReturnStatus.ESCALATED);
    });
  }

  /**
   * An admin's final word on an escalated request: refund, or uphold the decline. The same decision again changes
   * nothing.
   */
  resolve(
    viewer: Viewer,
    id: string,
    decision: ReturnDecision,
    note: string,
    loaders: MarketplaceLoaders,
  ): Promise<ReturnRequest> {
    requireRole(viewer, 'ADMIN', 'Only admins resolve escalated returns.');
    const said = text(note, 'note', MAX_DETAILS_LENGTH, true);
    return this.step(id, loaders, async (em, publish, request, order) => {
      const decided = request.resolvedAt !== null;
      if (
        decided &&
        decision === ReturnDecision.REFUND &&
        (request.status === ReturnStatus.ACCEPTED || request.status === ReturnStatus.REFUNDED)
      )
        return;
      if (decided && decision === ReturnDecision.UPHOLD_DECLINE && request.status === ReturnStatus.DECLINE_UPHELD)
        return;
      if (request.status !== ReturnStatus.ESCALATED) throw conflict(`The request is ${request.status}.`, 'id');
      request.resolutionNote = said;
      request.resolvedAt = new Date();
      if (decision === ReturnDecision.REFUND) await this.startRefund(em, publish, request, order);
      else await this.move(em, publish, request, ReturnStatus.DECLINE_UPHELD);
    });
  }

  /** Payments made the refund a request asked for. Late or repeated news changes nothing. */
  async applyRefund(em: EntityManager, publish: Publish<MarketplaceEvents>, returnRequestId: string, refundId: string) {
    const request = await em.findOne(
      ReturnRequest,
      { id: returnRequestId },
      { refresh: true, lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (request?.status !== ReturnStatus.ACCEPTED) return;
    request.refundId = refundId;
    await this.move(em, publish, request, ReturnStatus.REFUNDED);
  }

  /** Payments could not refund (nothing left, or the provider refused): the buyer may escalate. */
  async applyRefusal(em: EntityManager, publish: Publish<MarketplaceEvents>, returnRequestId: string, reason: string) {
    const request = await em.findOne(
      ReturnRequest,
      { id: returnRequestId },
      { refresh: true, lockMode: LockMode.PESSIMISTIC_WRITE },
    );
    if (request?.status !== ReturnStatus.ACCEPTED) return;
    request.refundFailure = reason.slice(0, MAX_ANSWER_LENGTH);
    await this.move(em, publish, request, ReturnStatus.REFUND_FAILED);
  }

  /** Drive's answer about the photos: the accepted ones show to the seller and admins. */
  async applyPhotoCheck(em: EntityManager, check: { returnRequestId: string; accepted: string[]; refused: string[] }) {
    await em.nativeUpdate(
      ReturnRequest,
      { id: check.returnRequestId },
      { acceptedPhotoIds: check.accepted, refusedPhotoIds: check.refused, photosChecked: true },
    );
  }

  /** Finds the request readable, then runs `work` with its order and itself locked, in that order. */
  private async step(
    id: string,
    loaders: MarketplaceLoaders,
    work: (
      em: EntityManager,
      publish: Publish<MarketplaceEvents>,
      request: ReturnRequest,
      order: Order,
    ) => Promise<void>,
  ): Promise<ReturnRequest> {
    const seen = await this.readable(id, loaders);
    return this.outbox.transaction(async (em, publish) => {
      const order = await lockOrder(em, seen.orderId);
      const request = await em.findOneOrFail(
        ReturnRequest,
        { id: seen.id },
        { refresh: true, lockMode: LockMode.PESSIMISTIC_WRITE },
      );
      await work(em, publish, request, order);
      return request;
    });
  }

  /** ACCEPTED, and payments asked for the lines' cost capped at what is left of the payment. */
  private async startRefund(
    em: EntityManager,
    publish: Publish<MarketplaceEvents>,
    request: ReturnRequest,
    order: Order,
  ) {
    if (!RETURNABLE.has(order.status))
      throw badInput(`The order is ${order.status}: nothing can be refunded through it now.`, 'id');
    await refuseUnitsBeyondBought(em, await linesOf(em, request.id), request.id);
    const left = await this.left(em, order, request.id);
    if (left <= 0) throw badInput('Everything paid for this order has been refunded already.', 'id');
    request.refundAmount = Math.min(request.itemsAmount, left);
    await this.move(em, publish, request, ReturnStatus.ACCEPTED);
    publish('marketplace.return.accepted', {
      returnRequestId: request.id,
      orderId: order.id,
      amount: request.refundAmount,
      currency: request.currency,
      reason: `Return request ${request.id}: ${request.reason}`,
      refundKey: `return:${request.id}:${request.updatedAt.getTime()}`,
    });
  }

  /** What the buyer paid less what came back or is on its way back (other accepted requests). */
  private async left(em: EntityManager, order: Order, except?: string): Promise<number> {
    const [pending] = await rows<{ sum: string | null }>(
      em,
      `select sum(refund_amount) as sum from ${table(em, 'return_requests')} where order_id = ? and status = ` +
        `'ACCEPTED' and id <> ?`,
      [order.id, except ?? '00000000-0000-0000-0000-000000000000'],
    );
    return order.totalAmount - order.refundedAmount - Number(pending?.sum ?? 0);
  }

  private async move(
    em: EntityManager,
    publish: Publish<MarketplaceEvents>,
    request: ReturnRequest,
    next: ReturnStatus,
  ) {
    const previous = request.status;
    request.status = next;
    request.updatedAt = new Date();
    await em.flush();
    if (OPEN.has(previous) !== OPEN.has(next)) {
      await em.execute(`update ${table(em, 'return_request_items')} set open = ? where request_id = ?`, [
        OPEN.has(next),
        request.id,
      ]);
    }
    const lines = await rows<{ title: string; quantity: number }>(
      em,
      `select o.title, i.quantity from ${table(em, 'return_request_items')} i join ` +
        `${table(em, 'order_items')} o on o.id = i.order_item_id where i.request_id = ? order by o.id`,
      [request.id],
    );
    this.tell(publish, request, previous, summarize(lines));
  }

  private tell(
    publish: Publish<MarketplaceEvents>,
    request: ReturnRequest,
    previousStatus: ReturnStatus | null,
    summary: string,
  ) {
    publish('marketplace.return.changed', {
      returnRequestId: request.id,
      orderId: request.orderId,
      buyerId: request.buyerId,
      sellerId: request.sellerId,
      status: request.status,
      previousStatus,
      amount: request.refundAmount ?? request.itemsAmount,
      currency: request.currency,
      summary,
      declineReason: request.declineReason,
      resolutionNote: request.resolutionNote,
      refundFailure: request.refundFailure,
      photoIds: request.photoIds,
    });
  }
}

export function mayRead(request: ReturnRequest, loaders: MarketplaceLoaders): boolean {
  const viewerId = loaders.viewer?.userId;
  return request.buyerId === viewerId || request.sellerId === viewerId || loaders.admin;
}

function sellerOnly(viewer: Viewer, request: ReturnRequest) {
  if (request.sellerId !== viewer.userId) throw forbidden('Only the seller answers a return request.');
}

/**
 * Refuses (CONFLICT) when, for any line, the units refunded or being refunded through other requests
 * plus `wanted` exceed what was bought: one unit is given back once, whichever request asks. The
 * caller holds the order's lock, so no other step on the order counts meanwhile.
 */
async function refuseUnitsBeyondBought(
  em: EntityManager,
  wanted: { orderItemId: string; quantity: number }[],
  except: string | null,
) {
  const found = await rows<{ order_item_id: string; bought: number; given: string }>(
    em,
    `select o.id as order_item_id, o.quantity as bought, coalesce(sum(i.quantity) filter (where r.status =
       any(?::text[]) and r.id is distinct from ?::uuid), 0) as given
     from ${table(em, 'order_items')} o
     left join ${table(em, 'return_request_items')} i on i.order_item_id = o.id
     left join ${table(em, 'return_requests')} r on r.id = i.request_id
     where o.id = any(?::uuid[]) group by o.id, o.quantity`,
    [`{${[...REFUNDING].join(',')}}`, except, uuidArray(wanted.map((w) => w.orderItemId))],
  );
  const byId = new Map(found.map((f) => [f.order_item_id, f]));
  for (const w of wanted) {
    const line = byId.get(w.orderItemId);
    const left = line ? line.bought - Number(line.given) : 0;
    if (w.quantity > left) {
      throw conflict(
        `Only ${Math.max(left, 0)} of line ${w.orderItemId} may still be returned: the rest was refunded ` +
          `through another request.`,
        'items',
      );
    }
  }
}

/** A request's lines, as `refuseUnitsBeyondBought` takes them. */
async function linesOf(em: EntityManager, requestId: string): Promise<{ orderItemId: string; quantity: number }[]> {
  const found = await rows<{ order_item_id: string; quantity: number }>(
    em,
    `select order_item_id, quantity from ${table(em, 'return_request_items')} where request_id = ?`,
    [requestId],
  );
  return found.map((f) => ({ orderItemId: f.order_item_id, quantity: f.quantity }));
}

function lockOrder(em: EntityManager, id: string): Promise<Order> {
  return em.findOneOrFail(Order, { id }, { refresh: true, lockMode: LockMode.PESSIMISTIC_WRITE });
}

/** 1 to 50 distinct lines, each a whole number of units from 1. */
function checkItems(items: { orderItemId: string; quantity: number }[]): { orderItemId: string; quantity: number }[] {
  if (!items.length || items.length > 50) throw badInput('Name 1 to 50 order lines.', 'items');
  const ids = items.map((i) => i.orderItemId.toLowerCase());
  if (ids.some((id) => !isUuid(id))) throw badInput('Order lines are named by their ids.', 'items');
  if (new Set(ids).size !== ids.length) throw badInput('Each order line may appear once.', 'items');
  if (items.some((i) => !Number.isInteger(i.quantity) || i.quantity < 1))
    throw badInput('Each line returns at least one unit.', 'items');
  return items.map((i, n) => ({ orderItemId: ids[n]!, quantity: i.quantity }));
}
