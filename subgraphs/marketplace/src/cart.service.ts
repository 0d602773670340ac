import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, conflict, notFound } from '@peerlink/platform/errors';
import { rows, table } from '@peerlink/platform/db/sql';
import { isUuid } from '@peerlink/platform/ids';
import { CartItem } from './cart.entity.js';
import type { MarketplaceLoaders } from './loaders.js';
import { MAX_TOTAL } from './money.js';
import { ON_SALE, Product, ProductKind } from './product.entity.js';

export const MAX_QUANTITY = 99;
export const MAX_CART_LINES = 100;

function checkQuantity(quantity: number, allowZero: boolean): number {
  const min = allowZero ? 0 : 1;
  if (!Number.isInteger(quantity) || quantity < min || quantity > MAX_QUANTITY)
    throw badInput(`A quantity is ${min} to ${MAX_QUANTITY}.`, 'quantity');
  return quantity;
}

/** A buyer's cart. Prices here are a preview: checkout reads them again and says what changed. */
export class CartService {
  constructor(private readonly orm: Orm) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  async items(viewer: Viewer): Promise<CartItem[]> {
    return this.em.find(CartItem, { buyerId: viewer.userId }, { orderBy: { addedAt: 'asc' }, refresh: true });
  }

  /** Adds to what is already in the cart for that product. */
  async add(viewer: Viewer, productId: string, quantity: number, loaders: MarketplaceLoaders): Promise<CartItem[]> {
    const product = await this.buyable(viewer, productId, loaders);
    const existing = await this.em.findOne(CartItem, { buyerId: viewer.userId, productId: product.id });
    const wanted = checkQuantity((existing?.quantity ?? 0) + checkQuantity(quantity, false), false);
    this.checkAvailable(product, wanted);
    if (product.courseId && (await this.ownsCourse(viewer.userId, product.courseId)))
      throw conflict('You already bought this course (or an order for it awaits payment).', 'productId');
    if (existing) {
      existing.quantity = wanted;
      existing.seenPriceAmount = product.priceAmount;
      existing.seenCurrency = product.currency;
    } else {
      if ((await this.em.count(CartItem, { buyerId: viewer.userId })) >= MAX_CART_LINES)
        throw badInput(`A cart holds at most ${MAX_CART_LINES} products.`, 'productId');
      this.em.create(CartItem, {
        buyerId: viewer.userId,
        productId: product.id,
        quantity: wanted,
        seenPriceAmount: product.priceAmount,
        seenCurrency: product.currency,
      });
    }
    await this.em.flush();
    return this.items(viewer);
  }

  /** Sets the quantity; 0 removes the product. */
  async update(viewer: Viewer, productId: string, quantity: number, loaders: MarketplaceLoaders): Promise<CartItem[]> {
    if (checkQuantity(quantity, true) === 0) return this.remove(viewer, productId);
    const item = await this.item(viewer, productId);
    const product = await this.buyable(viewer, item.productId, loaders);
    this.checkAvailable(product, quantity);
    item.quantity = quantity;
    item.seenPriceAmount = product.priceAmount;
    item.seenCurrency = product.currency;
    await this.em.flush();
    return this.items(viewer);
  }

  async remove(viewer: Viewer, productId: string): Promise<CartItem[]> {
    const item = await this.item(viewer, productId);
    this.em.remove(item);
    await this.em.flush();
    return this.items(viewer);
  }

  private async item(viewer: Viewer, productId: string): Promise<CartItem> {
    const item = isUuid(productId)
      ? await this.em.findOne(CartItem, { buyerId: viewer.userId, productId: productId.toLowerCase() })
      : null;
    if (!item) throw notFound('Cart item');
    return item;
  }

  private async buyable(viewer: Viewer, productId: string, loaders: MarketplaceLoaders): Promise<Product> {
    const product = isUuid(productId) ? await loaders.product.load(productId) : null;
    if (!product || !loaders.maySee(product)) throw notFound('Product');
    if (!ON_SALE.includes(product.status)) throw badInput('This product is not on sale.', 'productId');
    if (product.sellerId === viewer.userId) throw badInput('You cannot buy your own product.', 'productId');
    return product;
  }

  /** An order of the buyer's for the course that is paid for, or may yet be: a second would buy nothing. */
  private async ownsCourse(buyerId: string, courseId: string): Promise<boolean> {
    const found = await rows(
      this.em,
      `select 1 from ${table(this.em, 'order_items')} i join ${table(this.em, 'orders')} o on o.id = i.order_id
       where i.course_id = ? and o.buyer_id = ? and o.status in ('PENDING_PAYMENT', 'PAID', 'SHIPPED', 'DELIVERED')
       limit 1`,
      [courseId, buyerId],
    );
    return found.length > 0;
  }

  /** Enough in stock, and no more than one order can hold. */
  private checkAvailable(product: Product, quantity: number) {
    if (product.kind === ProductKind.PHYSICAL && (product.stock ?? 0) < quantity) {
      throw badInput(product.stock ? `Only ${product.stock} left.` : 'Sold out.', 'quantity');
    }
    // One purchase is one enrollment: a second copy would buy nothing.
    if (product.kind === ProductKind.COURSE && quantity > 1) throw badInput('A course is bought once.', 'quantity');
    if (product.priceAmount * quantity > MAX_TOTAL)
      throw badInput('That many would cost more than one order can hold.', 'quantity');
  }
}
