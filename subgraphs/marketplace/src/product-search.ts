import { badInput } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import { ProductKind } from './product.entity.js';

export enum ProductSort {
  /** Best match first; without `search`, the same as NEWEST. */
  RELEVANCE = 'RELEVANCE',
  NEWEST = 'NEWEST',
  PRICE_ASC = 'PRICE_ASC',
  PRICE_DESC = 'PRICE_DESC',
  /** Best rated first; unrated products last. */
  RATING = 'RATING',
}

export interface ProductSearch {
  search?: string | null;
  categoryId?: string | null;
  minPrice?: number | null;
  maxPrice?: number | null;
  sellerId?: string | null;
  kind?: ProductKind | null;
  inStock?: boolean | null;
}

export const MAX_SEARCH_LENGTH = 200;

/** What a product row maps from: everything but the search vector, which only the database reads. */
const COLUMNS = [
  'id',
  'seller_id',
  'title',
  'description',
  'kind',
  'price_amount',
  'currency',
  'stock',
  'status',
  'digital_file_id',
  'image_ids',
  'category_id',
  'rating_count',
  'rating_average',
  'created_at',
  'updated_at',
];

/**
 * How each sort orders: the SQL expression it pages by (then id), exactly as its index has it so
 * the planner can walk the index instead of sorting every match; the type a cursor's key is read
 * as; and the direction.
 */
const ORDER: Record<ProductSort, { key: string; type: string; direction: 'asc' | 'desc' }> = {
  [ProductSort.RELEVANCE]: {
    key: "ts_rank(p.search, websearch_to_tsquery('english', :search))",
    type: 'real',
    direction: 'desc',
  },
  [ProductSort.NEWEST]: { key: 'null::float8', type: 'float8', direction: 'desc' },
  [ProductSort.PRICE_ASC]: { key: 'p.price_amount', type: 'integer', direction: 'asc' },
  [ProductSort.PRICE_DESC]: { key: 'p.price_amount', type: 'integer', direction: 'desc' },
  [ProductSort.RATING]: { key: 'coalesce(p.rating_average::float8, -1)', type: 'float8', direction: 'desc' },
};

/** A page boundary: the sort it belongs to, the last row's sort key and id. Opaque to clients. */
export interface SearchCursor {
  sort: ProductSort;
  key: number | null;
  id: string;
}

export const encodeSearchCursor = (cursor: SearchCursor) =>
  Buffer.from(JSON.stringify([cursor.sort, cursor.key, cursor.id])).toString('base64url');

export function decodeSearchCursor(value: string | null | undefined, sort: ProductSort): SearchCursor | null {
  if (!value) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  const [cursorSort, key, id] = Array.isArray(parsed) ? parsed : [];
  if (cursorSort !== sort || !(key === null || typeof key === 'number') || typeof id !== 'string' || !isUuid(id)) {
    throw badInput('This cursor is not from this search; start again without `after`.', 'after');
  }
  return { sort, key, id: id.toLowerCase() };
}

/**
 * The one SQL statement behind `products`: filters on indexed columns, full-text matching with
 * Postgres' ranking, and keyset paging on (sort key, id) so pages stay stable as products come and
 * go. Returns the statement with `?` placeholders and their values, and the sort it used.
 */
/** The WHERE of a product search, as named parameters: what `products` and sponsored placement both match. */
export function productFilterSql(schema: string, filter: ProductSearch, ownerId: string | null) {
  const params: Record<string, unknown> = {};
  const where: string[] = [];
  const search = filter.search?.trim() ?? '';
  if (search.length > MAX_SEARCH_LENGTH)
    throw badInput(`A search is at most ${MAX_SEARCH_LENGTH} characters.`, 'search');
  if (filter.sellerId != null && !isUuid(filter.sellerId)) throw badInput('sellerId is a user id.', 'sellerId');
  if (filter.categoryId != null && !isUuid(filter.categoryId))
    throw badInput('categoryId is a category id.', 'categoryId');
  for (const [name, value] of [
    ['minPrice', filter.minPrice],
    ['maxPrice', filter.maxPrice],
  ] as const) {
    if (value != null && (!Number.isSafeInteger(value) || value < 0))
      throw badInput(`${name} is a whole number of minor units.`, name);
  }

  // A seller's own list shows drafts and archived products too; everyone else sees what is on sale.
  const sellerId = filter.sellerId?.toLowerCase() ?? null;
  if (sellerId) {
    params.sellerId = sellerId;
    where.push('p.seller_id = :sellerId');
  }
  if (!sellerId || sellerId !== ownerId) where.push("p.status in ('ACTIVE', 'SOLD_OUT')");
  if (search) {
    params.search = search;
    where.push("p.search @@ websearch_to_tsquery('english', :search)");
  }
  if (filter.categoryId) {
    params.categoryId = filter.categoryId.toLowerCase();
    where.push(
      `p.category_id in (select id from ${schema}.categories where id = :categoryId or parent_id = :categoryId)`,
    );
  }
  if (filter.minPrice != null) {
    params.minPrice = filter.minPrice;
    where.push('p.price_amount >= :minPrice');
  }
  if (filter.maxPrice != null) {
    params.maxPrice = filter.maxPrice;
    where.push('p.price_amount <= :maxPrice');
  }
  if (filter.kind) {
    params.kind = filter.kind;
    where.push('p.kind = :kind');
  }
  if (filter.inStock) where.push("(p.kind <> 'PHYSICAL' or p.stock > 0)");
  return { where, params, search };
}

export function productSearchSql(
  schema: string,
  filter: ProductSearch,
  sort: ProductSort,
  cursor: SearchCursor | null,
  options: { ownerId: string | null; limit: number },
) {
  const { where, params: filterParams, search } = productFilterSql(schema, filter, options.ownerId);
  const params: Record<string, unknown> = { ...filterParams, limit: options.limit };

  const effective = sort === ProductSort.RELEVANCE && !search ? ProductSort.NEWEST : sort;
  const { key, type, direction } = ORDER[effective];
  const after = direction === 'desc' ? '<' : '>';
  if (cursor) {
    params.cursorId = cursor.id;
    if (effective === ProductSort.NEWEST) {
      where.push(`p.id ${after} :cursorId`);
    } else {
      params.cursorKey = cursor.key;
      where.push(`(${key}, p.id) ${after} (:cursorKey::${type}, :cursorId::uuid)`);
    }
  }
  const sql = `select ${COLUMNS.map((c) => `p.${c}`).join(', ')}, (${key})::float8 as sort_key from ${schema}.products p
    ${where.length ? `where ${where.join(' and ')}` : ''}
    order by ${effective === ProductSort.NEWEST ? '' : `${key} ${direction}, `}p.id ${direction}
    limit :limit`;
  return { ...positional(sql, params), sort: effective };
}

/** `:name` placeholders (not `::type` casts) to the `?` list the database driver binds. */
function positional(sql: string, named: Record<string, unknown>): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const text = sql.replace(/(?<!:):([a-zA-Z]\w*)/g, (_match, name: string) => {
    if (!(name in named)) throw new Error(`no value for :${name}`);
    params.push(named[name]);
    return '?';
  });
  return { sql: text, params };
}

/**
 * Sponsored placement: products of running campaigns that match the same filter, outside the
 * organic page (`exclude`), the highest daily budget first and, among equals, a different pick
 * each time.
 */
export function sponsoredSql(schema: string, filter: ProductSearch, exclude: string[], limit: number) {
  const { where, params } = productFilterSql(schema, { ...filter, sellerId: null }, null);
  const sql = `select ${COLUMNS.map((c) => `p.${c}`).join(', ')}, c.id as campaign_id
    from ${schema}.campaigns c join ${schema}.products p on p.id = c.product_id
    where c.status = 'ACTIVE' and now() < c.ends_at and p.id <> all(:exclude::uuid[])
      ${where.map((w) => `and ${w}`).join(' ')}
    order by c.daily_budget desc, random()
    limit :limit`;
  return positional(sql, { ...params, exclude: `{${exclude.join(',')}}`, limit });
}
