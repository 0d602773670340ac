import { describe, expect, it } from 'vitest';
import { decodeSearchCursor, encodeSearchCursor, productSearchSql, ProductSort } from '#src/product-search';

const ID = '01a20000-0000-7000-8000-0000000000aa';
const page = (filter = {}, sort = ProductSort.RELEVANCE, cursor = null as ReturnType<typeof decodeSearchCursor>) =>
  productSearchSql('"m"', filter, sort, cursor, { ownerId: null, limit: 21 });

describe('product search', () => {
  it('binds every value as a parameter, in order, and leaves casts alone', () => {
    const { sql, params } = page({ search: "desk'; drop table x", minPrice: 100 }, ProductSort.PRICE_ASC, {
      sort: ProductSort.PRICE_ASC,
      key: 250,
      id: ID,
    });
    expect(sql).not.toContain('drop table');
    expect(sql).toContain('::float8');
    expect(sql.match(/\?/g)).toHaveLength(params.length);
    expect(params).toEqual(["desk'; drop table x", 100, 250, ID, 21]);
  });

  it('ranks by relevance only when there is something to match', () => {
    expect(page({ search: 'lamp' }).sort).toBe(ProductSort.RELEVANCE);
    expect(page({}).sort).toBe(ProductSort.NEWEST);
    expect(page({}).sql).toMatch(/order by p\.id desc/);
  });

  it('shows drafts only in a seller’s own list', () => {
    expect(page({ sellerId: ID }).sql).toContain("p.status in ('ACTIVE', 'SOLD_OUT')");
    expect(
      productSearchSql('"m"', { sellerId: ID }, ProductSort.NEWEST, null, { ownerId: ID, limit: 2 }).sql,
    ).not.toContain('p.status in');
  });

  it('accepts a cursor only from the same sort', () => {
    const cursor = encodeSearchCursor({ sort: ProductSort.PRICE_DESC, key: 1999, id: ID });
    expect(decodeSearchCursor(cursor, ProductSort.PRICE_DESC)).toEqual({
      sort: ProductSort.PRICE_DESC,
      key: 1999,
      id: ID,
    });
    expect(() => decodeSearchCursor(cursor, ProductSort.PRICE_ASC)).toThrow(/cursor/);
    expect(() => decodeSearchCursor('not base64 json', ProductSort.NEWEST)).toThrow(/cursor/);
  });

  it('refuses filters that could not match anything sensible', () => {
    expect(() => page({ minPrice: 1.5 })).toThrow(/minPrice/);
    expect(() => page({ sellerId: 'bob' })).toThrow(/sellerId/);
    expect(() => page({ search: 'x'.repeat(201) })).toThrow(/search/);
  });
});
