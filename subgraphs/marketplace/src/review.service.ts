import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { rows, table } from '@peerlink/platform/db/sql';
import { badInput, conflict, notFound } from '@peerlink/platform/errors';
import { decodeCursor, pageSize, toConnection, withTotalCount } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import { prose, text } from '@peerlink/platform/text';
import { Order, OrderItem } from './order.entity.js';
import { OrderStatus } from './order-states.js';
import { Product, ships } from './product.entity.js';
import { PLATFORM_ACCOUNT_ID } from './platform-account.js';
import { ProductReview, SellerReview } from './review.entity.js';

export const MAX_REVIEW_LENGTH = 5000;
const REVIEW = prose('A review', MAX_REVIEW_LENGTH, 0);

function checkReview(rating: number, body: string | null | undefined) {
  if (!Number.isInteger(rating) || rating < 1 || rating > 5)
    throw badInput('A rating is a whole number from 1 to 5.', 'rating');
  return { rating, body: text(body ?? '', 'body', REVIEW) };
}

/**
 * Reviews come only from buyers who have what they bought: a delivered order, or a paid one for
 * digital goods. One per order line for products, one per order for sellers; each updates its
 * rating summary in the same transaction.
 */
export class ReviewService {
  constructor(private readonly orm: Orm) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  async reviewProduct(
    viewer: Viewer,
    orderItemId: string,
    ratingInput: number,
    bodyInput: string | null | undefined,
  ): Promise<ProductReview> {
    const { rating, body } = checkReview(ratingInput, bodyInput);
    const item = isUuid(orderItemId) ? await this.em.findOne(OrderItem, { id: orderItemId.toLowerCase() }) : null;
    const order = item ? await this.em.findOne(Order, { id: item.orderId }) : null;
    if (!item || !order || order.buyerId !== viewer.userId) throw notFound('Order item');
    const product = await this.em.findOneOrFail(Product, { id: item.productId });
    // An advertising order buys placement, not the product: sellers cannot review their own.
    if (order.sellerId === PLATFORM_ACCOUNT_ID || product.sellerId === viewer.userId)
      throw badInput('You cannot review your own product.', 'orderItemId');
    const has = order.status === OrderStatus.DELIVERED || (order.status === OrderStatus.PAID && !ships(product.kind));
    if (!has)
      throw badInput(
        'You can review what you bought once you have it: delivered, or paid for digital goods and courses.',
        'orderItemId',
      );
    return this.em.transactional(async (em) => {
      const review = Object.assign(new ProductReview(), {
        productId: product.id,
        orderItemId: item.id,
        authorId: viewer.userId,
        rating,
        body,
      });
      const inserted = await rows(
        em,
        `insert into ${table(em, 'product_reviews')} (id, product_id, order_item_id, author_id, rating, body,
           created_at)
         values (?, ?, ?, ?, ?, ?, ?) on conflict (order_item_id) do nothing returning id`,
        [
          review.id,
          review.productId,
          review.orderItemId,
          review.authorId,
          review.rating,
          review.body,
          review.createdAt,
        ],
      );
      if (!inserted.length) throw conflict('You have already reviewed this.', 'orderItemId');
      // One statement, so concurrent reviews of one product each count.
      await em.execute(
        `update ${table(em, 'products')} set rating_average = (coalesce(rating_average, 0) * rating_count + ` +
          `?) / (rating_count + 1), rating_count = rating_count + 1 where id = ?`,
        [rating, product.id],
      );
      return review;
    });
  }

  async reviewSeller(
    viewer: Viewer,
    orderId: string,
    ratingInput: number,
    bodyInput: string | null | undefined,
  ): Promise<SellerReview> {
    const { rating, body } = checkReview(ratingInput, bodyInput);
    const order = isUuid(orderId) ? await this.em.findOne(Order, { id: orderId.toLowerCase() }) : null;
    if (!order || order.buyerId !== viewer.userId) throw notFound('Order');
    if (order.sellerId === PLATFORM_ACCOUNT_ID)
      throw badInput('Advertising orders have no seller to review.', 'orderId');
    const digitalOnly = order.shippingAddress === null;
    const has = order.status === OrderStatus.DELIVERED || (order.status === OrderStatus.PAID && digitalOnly);
    if (!has)
      throw badInput('You can review a seller once the order is delivered (or paid, for digital goods).', 'orderId');
    return this.em.transactional(async (em) => {
      const review = Object.assign(new SellerReview(), {
        sellerId: order.sellerId,
        orderId: order.id,
        authorId: viewer.userId,
        rating,
        body,
      });
      const inserted = await rows(
        em,
        `insert into ${table(em, 'seller_reviews')} (id, seller_id, order_id, author_id, rating, body, created_at)
         values (?, ?, ?, ?, ?, ?, ?) on conflict (order_id) do nothing returning id`,
        [review.id, review.sellerId, review.orderId, review.authorId, review.rating, review.body, review.createdAt],
      );
      if (!inserted.length) throw conflict('You have already reviewed this seller for this order.', 'orderId');
      await em.execute(
        `insert into ${table(em, 'seller_ratings')} as r (seller_id, rating_count, rating_average) values (?, 1, ?)
         on conflict (seller_id) do update set rating_average = (r.rating_average * r.rating_count +
           excluded.rating_average) / (r.rating_count + 1), rating_count = r.rating_count + 1`,
        [order.sellerId, rating],
      );
      return review;
    });
  }

  /** A product's reviews, newest first. */
  async ofProduct(productId: string, first: number | null | undefined, after: string | null | undefined) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const reviews = await this.em.find(
      ProductReview,
      { productId, ...(cursor ? { id: { $lt: cursor.id } } : {}) },
      { orderBy: { id: 'desc' }, limit: size + 1 },
    );
    return withTotalCount(toConnection(reviews, size, { after }), () => this.em.count(ProductReview, { productId }));
  }

  async sellerRating(sellerId: string): Promise<{ average: number | null; count: number }> {
    const [row] = await rows<{ rating_count: number; rating_average: number }>(
      this.em,
      `select rating_count, rating_average from ${table(this.em, 'seller_ratings')} where seller_id = ?`,
      [sellerId],
    );
    return { average: row?.rating_average ?? null, count: row?.rating_count ?? 0 };
  }
}
