import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { lockKey, rows, table } from '@peerlink/platform/db/sql';
import { badInput, notFound } from '@peerlink/platform/errors';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { decodeCursor, pageSize, toConnection, withTotalCount } from '@peerlink/platform/graphql/pagination';
import { requestFingerprint, requireSameRequest } from '@peerlink/platform/idempotency';
import { isUuid, uuidv7 } from '@peerlink/platform/ids';
import { Campaign, CampaignStatus } from './campaign.entity.js';
import type { ImpressionCounter } from './impression-counter.js';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { Order, OrderItem } from './order.entity.js';
import { tellParties } from './order.service.js';
import { PLATFORM_ACCOUNT_ID } from './platform-account.js';
import { ON_SALE, Product } from './product.entity.js';
import { sponsoredSql, type ProductSearch } from './product-search.js';

export const MIN_DAILY_BUDGET = 100;
export const MAX_DAILY_BUDGET = 1_000_000;
export const MAX_DAYS = 90;

/** Sponsored products on the first page of results: one per ten, at most two. */
export const sponsoredSlots = (pageSize: number) => Math.min(2, Math.floor(pageSize / 10));

export interface PromoteInput {
  productId: string;
  dailyBudget: number;
  days: number;
  paymentMethodId: string;
  idempotencyKey?: string | null;
}

/**
 * Advertising. A seller buys days of placement for one product; once paid, the product is placed
 * in the first page of matching searches (a bounded share of it, see `sponsoredSlots`), marked
 * `sponsored`, and every placement and reported click is counted.
 */
export class CampaignService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<MarketplaceEvents>,
    private readonly paymentSeconds: number,
    private readonly impressions: ImpressionCounter,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  async promote(viewer: Viewer, input: PromoteInput): Promise<Campaign> {
    requireRole(viewer, 'SELLER', 'Only sellers promote products.');
    const product = isUuid(input.productId)
      ? await this.em.findOne(Product, { id: input.productId.toLowerCase() })
      : null;
    if (!product || product.sellerId !== viewer.userId) throw notFound('Product');
    if (!ON_SALE.includes(product.status)) throw badInput('Only a product on sale can be promoted.', 'productId');
    if (
      !Number.isInteger(input.dailyBudget) ||
      input.dailyBudget < MIN_DAILY_BUDGET ||
      input.dailyBudget > MAX_DAILY_BUDGET
    ) {
      throw badInput(`A daily budget is ${MIN_DAILY_BUDGET} to ${MAX_DAILY_BUDGET} minor units.`, 'dailyBudget');
    }
    if (!Number.isInteger(input.days) || input.days < 1 || input.days > MAX_DAYS)
      throw badInput(`A campaign runs 1 to ${MAX_DAYS} days.`, 'days');
    const paymentMethodId = input.paymentMethodId.trim();
    if (!paymentMethodId || paymentMethodId.length > 255) throw badInput('Name a payment method.', 'paymentMethodId');
    const key = input.idempotencyKey?.trim() || null;
    if (key && key.length > 100) throw badInput('An idempotency key is at most 100 characters.', 'idempotencyKey');
    const fingerprint = requestFingerprint({
      productId: product.id,
      dailyBudget: input.dailyBudget,
      days: input.days,
      paymentMethodId,
    });
    return this.outbox.transaction(async (em, publish) => {
      // Like checkout: one at a time per buyer, and a retried key finds the campaign it bought.
      await lockKey(em, `checkout:${viewer.userId}`);
      const checkoutKey = `campaign:${key ?? uuidv7()}`;
      const earlier = key ? await em.findOne(Order, { buyerId: viewer.userId, checkoutKey }) : null;
      if (earlier) {
        requireSameRequest(earlier.requestFingerprint, fingerprint);
        return em.findOneOrFail(Campaign, { orderId: earlier.id });
      }
      const order = em.create(Order, {
        buyerId: viewer.userId,
        sellerId: PLATFORM_ACCOUNT_ID,
        currency: product.currency,
        totalAmount: input.dailyBudget * input.days,
        checkoutKey,
        requestFingerprint: fingerprint,
        paymentMethodId,
        expiresAt: new Date(Date.now() + this.paymentSeconds * 1000),
      });
      await em.flush();
      em.create(OrderItem, {
        orderId: order.id,
        productId: product.id,
        title: `Promotion: ${product.title}`,
        unitAmount: input.dailyBudget,
        quantity: input.days,
      });
      const campaign = em.create(Campaign, {
        productId: product.id,
        sellerId: viewer.userId,
        orderId: order.id,
        dailyBudget: input.dailyBudget,
        currency: product.currency,
        days: input.days,
      });
      await em.flush();
      publish('marketplace.order.placed', {
        orderId: order.id,
        buyerId: order.buyerId,
        sellerId: order.sellerId,
        amount: order.totalAmount,
        currency: order.currency,
        paymentMethodId,
        purpose: 'ADVERTISING',
      });
      tellParties(publish, order);
      return campaign;
    });
  }

  /** Its order paid: the campaign runs from now for its days. Failed or expired unpaid: cancelled. */
  async followOrder(em: EntityManager, orderId: string, status: string) {
    const campaigns = table(em, 'campaigns');
    if (status === 'PAID') {
      await em.execute(
        `update ${campaigns} set status = 'ACTIVE', starts_at = now(), ends_at = now() + make_interval(days ` +
          `=> days) where order_id = ? and status = 'PENDING_PAYMENT'`,
        [orderId],
      );
    } else if (status === 'PAYMENT_FAILED' || status === 'CANCELLED' || status === 'REFUNDED') {
      await em.execute(`update ${campaigns} set status = 'CANCELLED' where order_id = ?`, [orderId]);
    }
  }

  /** The viewer's campaigns, newest first. */
  async mine(viewer: Viewer, first: number | null | undefined, after: string | null | undefined) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const found = await this.em.find(
      Campaign,
      { sellerId: viewer.userId, ...(cursor ? { id: { $lt: cursor.id } } : {}) },
      { orderBy: { id: 'desc' }, limit: size + 1, refresh: true },
    );
    return withTotalCount(toConnection(found, size, { after }), () =>
      this.em.count(Campaign, { sellerId: viewer.userId }),
    );
  }

  /** A click on a sponsored placement; the seller's own clicks do not count. */
  async recordClick(viewer: Viewer | null, campaignId: string): Promise<boolean> {
    if (!isUuid(campaignId)) return false;
    const counted = await rows(
      this.em,
      `update ${table(this.em, 'campaigns')} set clicks = clicks + 1 where id = ? and status = 'ACTIVE' and ` +
        `now() < ends_at and seller_id <> ? returning id`,
      [campaignId.toLowerCase(), viewer?.userId ?? PLATFORM_ACCOUNT_ID],
    );
    return counted.length > 0;
  }

  /** Up to `slots` sponsored products for a first page, counted as placed (written within a second). */
  async place(
    filter: ProductSearch,
    organicIds: string[],
    slots: number,
  ): Promise<{ product: Product; campaignId: string }[]> {
    if (slots <= 0) return [];
    const { sql, params } = sponsoredSql(`"${this.em.config.get('schema')}"`, filter, organicIds, slots);
    const found = await rows<Record<string, unknown> & { campaign_id: string }>(this.em, sql, params);
    this.impressions.count(found.map((f) => f.campaign_id));
    return found.map((row) => ({ product: this.em.map(Product, row), campaignId: row.campaign_id }));
  }
}

/** What a campaign's status reads as now: an active one whose days are over has ended. */
export const statusOf = (campaign: Campaign, now = new Date()) =>
  campaign.status === CampaignStatus.ACTIVE && campaign.endsAt && campaign.endsAt <= now
    ? CampaignStatus.ENDED
    : campaign.status;
