import type { EntityManager } from '@mikro-orm/postgresql';
import { requireRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { AppError, badInput, forbidden, notFound } from '@peerlink/platform/errors';
import { pageInfoOf, pageSize } from '@peerlink/platform/graphql/pagination';
import { rows, table } from '@peerlink/platform/db/sql';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import type { MarketplaceEvents } from '@peerlink/contracts/marketplace';
import { isUuid } from '@peerlink/platform/ids';
import { line, prose, text } from '@peerlink/platform/text';
import type { MarketplaceLoaders } from './loaders.js';
import { checkPrice } from './money.js';
import { sponsoredSlots, type CampaignService } from './campaign.service.js';
import { Category, Product, ProductKind, ProductStatus, ships } from './product.entity.js';
import {
  decodeSearchCursor,
  encodeSearchCursor,
  productSearchSql,
  type ProductSearch,
  type ProductSort,
} from './product-search.js';

export const MAX_TITLE_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 10_000;
export const MAX_STOCK = 1_000_000;
export const MAX_IMAGES = 10;

export interface ProductInput {
  title?: string | null;
  description?: string | null;
  kind?: ProductKind | null;
  priceAmount?: number | null;
  currency?: string | null;
  stock?: number | null;
  digitalFileId?: string | null;
  categoryId?: string | null;
  imageIds?: string[] | null;
}

const TITLE = line('A title', MAX_TITLE_LENGTH);
const DESCRIPTION = prose('A description', MAX_DESCRIPTION_LENGTH, 0);
const checkTitle = (input: string): string => text(input, 'title', TITLE);

/** What learning decides for a COURSE product: changed on the course, which marketplace follows. */
const OWNED_BY_COURSE = ['title', 'description', 'priceAmount', 'currency', 'stock', 'digitalFileId'] as const;

/** A change a COURSE product takes from its course alone; `changeWith` names the operation that makes it. */
const courseOwns = (message: string, field: string, changeWith: string) =>
  new AppError('BAD_USER_INPUT', message, { field, changeWith });

function checkStock(stock: number | null | undefined, kind: ProductKind): number | null {
  if (!ships(kind)) {
    if (stock != null) throw badInput('Digital products have no stock.', 'stock');
    return null;
  }
  if (stock == null || !Number.isInteger(stock) || stock < 0 || stock > MAX_STOCK)
    throw badInput(`Stock is a whole number from 0 to ${MAX_STOCK}.`, 'stock');
  return stock;
}

/**
 * Tells of a listing as it now is, with its category's path from the root, for analytics' figures. Read back
 * under the row's lock, so a change committed meanwhile by another request is in it, and events are in the
 * order of the commits.
 */
async function announce(em: EntityManager, publish: Publish<MarketplaceEvents>, productId: string) {
  const categories = table(em, 'categories');
  const [row] = await rows<{
    seller_id: string;
    kind: ProductKind;
    title: string;
    status: ProductStatus;
    category_id: string | null;
    category_path: string[];
    price_amount: number;
    currency: string;
    course_id: string | null;
  }>(
    em,
    `select p.seller_id, p.kind, p.title, p.status, p.category_id, p.price_amount, p.currency, p.course_id,
       array(
         with recursive up (id, parent_id, depth) as (
           select id, parent_id, 0 from ${categories} where id = p.category_id
           union all
           select c.id, c.parent_id, up.depth + 1 from ${categories} c join up on c.id = up.parent_id
         ) select id::text from up order by depth desc
       ) as category_path
     from ${table(em, 'products')} p where p.id = ? for update of p`,
    [productId],
  );
  if (!row) return;
  publish('marketplace.product.changed', {
    productId,
    sellerId: row.seller_id,
    kind: row.kind,
    title: row.title,
    status: row.status,
    categoryId: row.category_id,
    categoryPath: row.category_path,
    priceAmount: row.price_amount,
    currency: row.currency,
    courseId: row.course_id,
  });
}

/** The catalog: sellers list and manage their own products; everyone browses what is on sale. */
export class ProductService {
  constructor(
    private readonly orm: Orm,
    private readonly campaigns: CampaignService,
    private readonly outbox: Outbox<MarketplaceEvents>,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  /** Drafts and archived products are their seller's (and admins') business alone. */
  async visible(id: string, loaders: MarketplaceLoaders): Promise<Product> {
    const product = await loaders.product.load(id);
    if (!product || !loaders.maySee(product)) throw notFound('Product');
    return product;
  }

  async create(viewer: Viewer, input: ProductInput): Promise<Product> {
    requireRole(viewer, 'SELLER', 'Only sellers list products.');
    if (!input.kind) throw badInput('Say what kind of product it is.', 'kind');
    if (input.kind === ProductKind.COURSE)
      throw courseOwns(
        'A course goes on sale when you publish it with a price (publishCourse).',
        'kind',
        'publishCourse',
      );
    const price = checkPrice(input.priceAmount ?? NaN, input.currency ?? '', 'priceAmount');
    const fields = {
      sellerId: viewer.userId,
      title: checkTitle(input.title ?? ''),
      description: this.description(input.description),
      kind: input.kind,
      priceAmount: price.amount,
      currency: price.currency,
      stock: checkStock(input.stock, input.kind),
      digitalFileId: this.digitalFile(input.digitalFileId, input.kind),
      categoryId: await this.category(input.categoryId),
      imageIds: this.images(input.imageIds),
    };
    return this.outbox.transaction(async (em, publish) => {
      const product = em.create(Product, fields);
      await em.flush();
      await announce(em, publish, product.id);
      return product;
    });
  }

  /** Only what is given changes. A product's kind is fixed once created. */
  async update(viewer: Viewer, id: string, input: ProductInput, loaders: MarketplaceLoaders): Promise<Product> {
    const product = await this.own(viewer, id, loaders);
    if (product.status === ProductStatus.ARCHIVED) throw badInput('An archived product cannot change.', 'id');
    if (input.kind && input.kind !== product.kind)
      throw badInput('A product’s kind cannot change; list a new one.', 'kind');
    if (product.kind === ProductKind.COURSE) {
      const field = OWNED_BY_COURSE.find((name) => input[name] != null);
      if (field)
        throw courseOwns(`A course’s ${field} is changed on the course (updateCourse).`, field, 'updateCourse');
    }
    if (input.title != null) product.title = checkTitle(input.title);
    if (input.description != null) product.description = this.description(input.description);
    if (input.priceAmount != null || input.currency != null) {
      const price = checkPrice(
        input.priceAmount ?? product.priceAmount,
        input.currency ?? product.currency,
        'priceAmount',
      );
      product.priceAmount = price.amount;
      product.currency = price.currency;
    }
    if (input.stock !== undefined && product.kind === ProductKind.PHYSICAL) {
      product.stock = checkStock(input.stock, product.kind);
      if (product.status !== ProductStatus.DRAFT)
        product.status = product.stock === 0 ? ProductStatus.SOLD_OUT : ProductStatus.ACTIVE;
    }
    if (input.digitalFileId !== undefined) {
      product.digitalFileId = this.digitalFile(input.digitalFileId, product.kind);
      if (!product.digitalFileId && product.kind === ProductKind.DIGITAL && product.status !== ProductStatus.DRAFT) {
        throw badInput('A digital product on sale must keep a file to deliver.', 'digitalFileId');
      }
    }
    if (input.categoryId !== undefined) product.categoryId = await this.category(input.categoryId);
    if (input.imageIds != null) product.imageIds = this.images(input.imageIds);
    product.updatedAt = new Date();
    return this.saved(product);
  }

  async publish(viewer: Viewer, id: string, loaders: MarketplaceLoaders): Promise<Product> {
    const product = await this.own(viewer, id, loaders);
    this.notCourse(product, 'publishCourse');
    if (product.status !== ProductStatus.DRAFT) throw badInput('Only a draft can be published.', 'id');
    if (product.kind === ProductKind.DIGITAL && !product.digitalFileId)
      throw badInput('A digital product needs the file it delivers (digitalFileId) before it goes on sale.', 'id');
    product.status = product.stock === 0 ? ProductStatus.SOLD_OUT : ProductStatus.ACTIVE;
    product.updatedAt = new Date();
    return this.saved(product);
  }

  async archive(viewer: Viewer, id: string, loaders: MarketplaceLoaders): Promise<Product> {
    const product = await this.own(viewer, id, loaders);
    this.notCourse(product, 'archiveCourse');
    product.status = ProductStatus.ARCHIVED;
    product.updatedAt = new Date();
    return this.saved(product);
  }

  /** Writes a changed listing and tells of it, in one transaction. */
  private saved(product: Product): Promise<Product> {
    return this.outbox.transaction(async (em, publish) => {
      await em.flush();
      await announce(em, publish, product.id);
      return product;
    });
  }

  /**
   * Products on sale that match, in the order asked for; a seller's own list (`sellerId` = the viewer) includes drafts.
   */
  async search(
    viewer: Viewer | null,
    filter: ProductSearch,
    sort: ProductSort,
    first: number | null | undefined,
    after: string | null | undefined,
  ) {
    const size = pageSize(first);
    const cursor = decodeSearchCursor(after, sort);
    const { sql, params } = productSearchSql(`"${this.em.config.get('schema')}"`, filter, sort, cursor, {
      ownerId: viewer?.userId ?? null,
      limit: size + 1,
    });
    const found = await rows<Record<string, unknown> & { sort_key: number | null }>(this.em, sql, params);
    const edges = found.slice(0, size).map((row) => {
      const node = this.em.map(Product, row);
      return { cursor: encodeSearchCursor({ sort, key: row.sort_key, id: node.id }), node };
    });
    const pageInfo = pageInfoOf(edges, found.length > size, after);
    // Sponsored products go in the first page of a search across sellers, after the first and the
    // fifth result; their cursors are the result's before them, so paging skips nothing.
    if (cursor || filter.sellerId) return { edges, pageInfo };
    const placed = await this.campaigns.place(
      filter,
      edges.map((e) => e.node.id),
      sponsoredSlots(edges.length),
    );
    placed.forEach(({ product, campaignId }, i) => {
      product.sponsoredBy = campaignId;
      const at = Math.min(i === 0 ? 1 : 5 + i, edges.length);
      edges.splice(at, 0, {
        cursor: edges[at - 1]?.cursor ?? encodeSearchCursor({ sort, key: null, id: product.id }),
        node: product,
      });
    });
    return { edges, pageInfo };
  }

  /** The category tree's every node; the resolver shapes the tree. */
  categories(): Promise<Category[]> {
    return this.em.find(Category, {}, { orderBy: { name: 'asc' } });
  }

  private async own(viewer: Viewer, id: string, loaders: MarketplaceLoaders): Promise<Product> {
    const product = await this.visible(id, loaders);
    if (product.sellerId !== viewer.userId) throw forbidden('Only its seller can change a product.');
    return product;
  }

  /** A course's product goes on and off sale with its course, so the two cannot disagree. */
  private notCourse(product: Product, changeWith: string) {
    if (product.kind === ProductKind.COURSE)
      throw courseOwns(`A course’s product follows its course: use ${changeWith}.`, 'id', changeWith);
  }

  private images(ids: string[] | null | undefined): string[] {
    const images = [...new Set((ids ?? []).map((id) => id.toLowerCase()))];
    if (images.length > MAX_IMAGES || !images.every(isUuid))
      throw badInput(`Up to ${MAX_IMAGES} images, each a drive file id.`, 'imageIds');
    return images;
  }

  private async category(id: string | null | undefined): Promise<string | null> {
    if (id == null) return null;
    const category = isUuid(id) ? await this.em.findOne(Category, { id: id.toLowerCase() }) : null;
    if (!category) throw badInput('No such category; see `categories`.', 'categoryId');
    return category.id;
  }

  private description(input: string | null | undefined): string {
    return text(input ?? '', 'description', DESCRIPTION);
  }

  private digitalFile(fileId: string | null | undefined, kind: ProductKind): string | null {
    if (kind !== ProductKind.DIGITAL) {
      if (fileId) throw badInput('Only digital products carry a file.', 'digitalFileId');
      return null;
    }
    if (fileId == null) return null;
    if (!isUuid(fileId)) throw badInput('digitalFileId is a drive file id.', 'digitalFileId');
    return fileId.toLowerCase();
  }
}
