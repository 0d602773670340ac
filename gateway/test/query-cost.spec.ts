import { buildSchema, getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { costRefusal, queryCost, UNPAGED_LIST_ESTIMATE } from '@peerlink/gateway/query-cost';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@peerlink/platform/graphql/page-size';

const schema = buildSchema(`
  type Query { products(first: Int, after: String): ProductConnection!, product(id: ID!): Product, search(limit: Int):
    [Product!]! }
  type ProductConnection { edges: [ProductEdge!]!, pageInfo: PageInfo! }
  type ProductEdge { cursor: String!, node: Product! }
  type PageInfo { hasNextPage: Boolean! }
  type Product { id: ID!, name: String!, tags: [String!]!, seller: User!, lines: [Line!]! }
  type Line { id: ID!, quantity: Int! }
  type User { id: ID!, products(first: Int, last: Int): ProductConnection! }
`);

function cost(source: string, variables: Record<string, unknown> = {}) {
  const document = parse(source);
  return queryCost(schema, document, getOperationAST(document)!, variables);
}

describe('queryCost', () => {
  it('counts each field once, leaves and lists of leaves alike, and __typename not at all', () => {
    expect(cost('{ product(id: "1") { __typename id name tags } }')).toBe(4);
  });

  it('multiplies a paged list by the page asked for, once for the connection and its edges', () => {
    // products 1 + 5 × (edges 1 + node 1 + id 1): edges is the page itself, not 10 more.
    expect(cost('{ products(first: 5) { edges { node { id } } } }')).toBe(1 + 5 * 3);
  });

  it('compounds down nested lists: the issue’s products → seller → products, three levels of 50', () => {
    const level = (inner: string) => `products(first: 50) { edges { node { id seller { ${inner} } } } }`;
    const query = `{ ${level(level('products(first: 50) { edges { node { id } } }'))} }`;
    const innermost = 1 + 50 * 3;
    const middle = 1 + 50 * (3 + 1 + innermost);
    expect(cost(query)).toBe(1 + 50 * (3 + 1 + middle));
    expect(cost(query)).toBeGreaterThan(125_000);
  });

  it('reads page sizes from variables, their defaults, or else the default page; clamps to the max', () => {
    const query = 'query Page($n: Int = 7) { products(first: $n) { edges { node { id } } } }';
    expect(cost(query, { n: 3 })).toBe(1 + 3 * 3);
    expect(cost(query)).toBe(1 + 7 * 3);
    expect(cost('{ products { edges { node { id } } } }')).toBe(1 + DEFAULT_PAGE_SIZE * 3);
    expect(cost('{ products(first: 100000) { edges { node { id } } } }')).toBe(1 + MAX_PAGE_SIZE * 3);
    expect(cost('{ products(first: -5) { edges { node { id } } } }')).toBe(1 + 1 * 3);
    expect(cost('{ search(limit: 4) { id } }')).toBe(1 + 4);
    expect(cost('{ product(id: "1") { seller { products(last: 2) { edges { node { id } } } } } }')).toBe(
      1 + 1 + 1 + 2 * 3,
    );
  });

  it('guesses at lists without paging arguments', () => {
    expect(cost('{ product(id: "1") { lines { id quantity } } }')).toBe(1 + 1 + UNPAGED_LIST_ESTIMATE * 2);
  });

  it('expands fragments, inline and named, wherever they are spread', () => {
    const query = `
      { products(first: 10) { ...Page } product(id: "1") { seller { products(first: 2) { ...Page } } } }
      fragment Page on ProductConnection { edges { ... on ProductEdge { node { id } } } }`;
    expect(cost(query)).toBe(1 + 10 * 3 + 1 + 1 + 1 + 2 * 3);
  });

  it('prices a document that spreads fragments into each other in time linear in its size', () => {
    let document = 'fragment F0 on Product { id }\n';
    for (let i = 1; i <= 30; i++) {
      const spreadsPrevious = `products(first: 100) { edges { node { ...F${i - 1} } } }`;
      document += `fragment F${i} on Product { a: seller { ${spreadsPrevious} } }\n`;
    }
    const started = performance.now();
    expect(cost(`{ product(id: "1") { ...F30 } } ${document}`)).toBe(Number.MAX_SAFE_INTEGER);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('refuses with QUERY_TOO_COSTLY, the cost and the limit; lets through what fits; 0 is no limit', () => {
    const document = parse('query Big { products(first: 100) { edges { node { id } } } }');
    const operation = getOperationAST(document)!;
    const refusal = costRefusal(schema, document, operation, {}, 300);
    expect(refusal?.extensions).toEqual({ code: 'QUERY_TOO_COSTLY', cost: 301, limit: 300 });
    expect(refusal?.message).toMatch(/^Operation Big could cost 301 .*the limit is 300/);
    expect(costRefusal(schema, document, operation, {}, 301)).toBeNull();
    expect(costRefusal(schema, document, operation, {}, 0)).toBeNull();
  });
});
