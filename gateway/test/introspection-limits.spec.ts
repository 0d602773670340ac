import { readFileSync } from 'node:fs';
import {
  __DirectiveLocation,
  __Type,
  buildSchema,
  getIntrospectionQuery,
  Kind,
  parse,
  print,
  specifiedRules,
  validate,
  type DefinitionNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  FULL_INTROSPECTION_QUERY,
  fullIntrospectionCost,
  introspectionCost,
  schemaSizes,
} from '@peerlink/gateway/introspection-cost';
import { queryLimitsRule, type QueryLimits } from '@peerlink/gateway/limits';

const small = buildSchema(`
  type Query { me: User, users(ids: [ID!]!, first: Int): [User!]! }
  type User { id: ID!, name: String, friends(first: Int, roles: [[Role!]!]): [User!]!, role: Role }
  enum Role { ADMIN MEMBER }
`);
// The supergraph as committed: the gateway serves it without the join__ and link__ machinery, so
// this one is a little larger than what clients see.
const supergraph = buildSchema(readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8'));

/** The gateway's defaults (gateway/src/config.ts). */
const defaults: QueryLimits = {
  maxDepth: 12,
  maxFields: 250,
  maxAliases: 30,
  maxDirectives: 50,
  maxIntrospectionCost: 50_000,
};

function check(schema: GraphQLSchema, source: string, limits: Partial<QueryLimits> = {}) {
  return validate(schema, parse(source), [...specifiedRules, queryLimitsRule({ ...defaults, ...limits })]).map(
    (e) => e.message,
  );
}
const cost = (schema: GraphQLSchema, source: string) => introspectionCost(schema, parse(source));
/** __Type has the most fields in the small schema. */
const TYPE_FIELDS = Object.keys(__Type.getFields()).length;

/** GraphiQL 3 sends graphql-js's query with its defaults, and once more without `subscriptionType` if that fails. */
const GRAPHIQL_QUERY = getIntrospectionQuery({ inputValueDeprecation: undefined, schemaDescription: undefined });
/**
 * @graphql-tools/url-loader (what `graphql-codegen` uses for a URL) sends getIntrospectionQuery with the loader's
 * options.
 */
const CODEGEN_QUERY = getIntrospectionQuery({ descriptions: true });

describe('schemaSizes', () => {
  it('counts each introspection list in total, per parent, and at its longest', () => {
    const sizes = schemaSizes(small);
    const types = Object.keys(small.getTypeMap()).length;
    expect(sizes.lists.get('__Schema.types')).toEqual({ total: types, parents: 1, longest: types });
    // Introspection's own types are the largest here: __DirectiveLocation's values beat Role's two.
    expect(sizes.lists.get('__Type.enumValues')).toEqual({
      total: 2 + 8 + __DirectiveLocation.getValues().length,
      parents: types,
      longest: __DirectiveLocation.getValues().length,
    });
    expect(sizes.lists.get('__Type.fields')!.longest).toBe(TYPE_FIELDS);
    // `[[Role!]!]` is four wrappers, the deepest; `[User!]!` is three.
    expect(sizes.deepestWrapping).toBe(4);
  });
});

describe('introspectionCost', () => {
  const types = Object.keys(small.getTypeMap()).length;

  it('costs each value resolved: a list under the schema is every type, once', () => {
    expect(cost(small, '{ __schema { queryType { name } } }')).toBe(3);
    expect(cost(small, '{ __schema { types { name kind } } }')).toBe(2 + 2 * types);
  });

  it("adds the schema's totals for lists under every parent, and the longest under any other", () => {
    const fieldsInSchema = schemaSizes(small).lists.get('__Type.fields')!.total;
    expect(cost(small, '{ __schema { types { fields { name } } } }')).toBe(2 + types + fieldsInSchema);
    // `__type(name:)` may pick the largest type, and so may each field's `type`.
    expect(cost(small, '{ __type(name: "User") { fields { name } } }')).toBe(2 + TYPE_FIELDS);
    expect(cost(small, '{ __schema { types { fields { type { fields { name } } } } } }')).toBe(
      2 + types + fieldsInSchema * (1 + 1 + TYPE_FIELDS),
    );
  });

  it('stops `ofType` chains at the deepest wrapping in the schema', () => {
    const chain = (levels: number) =>
      `{ __type(name: "User") { fields { type ${'{ name ofType '.repeat(levels)}{ name }${' }'.repeat(levels)} } } }`;
    // Four wrappers: four `ofType` steps can be non-null, the fifth is null and nothing under it runs.
    expect(cost(small, chain(5))).toBe(cost(small, chain(4)) + TYPE_FIELDS);
    expect(cost(small, chain(60))).toBe(cost(small, chain(5)));
    // graphql-js lets clients ask for up to 100 levels; they cost no more than its default 9.
    const deepest = getIntrospectionQuery({ ...fullOptions(), typeDepth: 100 });
    expect(cost(supergraph, deepest)).toBe(fullIntrospectionCost(supergraph));
  });

  it('measures fragments spread into each other exponentially often in linear time', () => {
    const levels = 40;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === levels - 1 ? `fragment F${i} on __Type { name }` : `fragment F${i} on __Type { ...F${i + 1} ...F${i + 1} }`,
    );
    const document = `query Bomb { __type(name: "Query") { ...F0 } } ${fragments.join('\n')}`;
    const started = Date.now();
    expect(cost(small, document)).toBe(1 + 2 ** 39);
    expect(check(small, document)).toEqual([
      `Operation Bomb's introspection could resolve ${1 + 2 ** 39} values; the limit is 50000.`,
    ]);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stays a finite number however deep the nesting', () => {
    const nested = `{ __schema { types ${'{ fields { type '.repeat(300)}{ name }${' } }'.repeat(300)} } }`;
    expect(cost(supergraph, nested)).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('queryLimitsRule on introspection', () => {
  it('passes every standard introspection query at the default limits, though each is 15 levels deep', () => {
    for (const query of [
      FULL_INTROSPECTION_QUERY,
      getIntrospectionQuery(),
      GRAPHIQL_QUERY,
      GRAPHIQL_QUERY.replace('subscriptionType { name }', ''),
      CODEGEN_QUERY,
    ]) {
      expect(check(supergraph, query)).toEqual([]);
    }
  });

  it('never sets the limit below what the full introspection query costs', () => {
    const full = fullIntrospectionCost(supergraph);
    expect(full).toBeGreaterThan(1_000);
    expect(check(supergraph, FULL_INTROSPECTION_QUERY, { maxIntrospectionCost: 0 })).toEqual([]);
    const twice = `{ a: __schema { types { name } } b: __schema { types { name } } }`;
    expect(check(small, twice, { maxIntrospectionCost: 0 })).toEqual([]); // the small schema's full query costs more
  });

  it('refuses introspection nested to multiply, and names its cost', () => {
    // graphql's own MaxIntrospectionDepthRule stops a third level of `fields`, not this.
    const nested = '{ __schema { types { fields { type { fields { args { type { enumValues { name } } } } } } } } }';
    const [message] = check(supergraph, nested);
    expect(message).toMatch(/^Operation anonymous's introspection could resolve \d+ values; the limit is 50000\.$/);
    expect(Number(/resolve (\d+)/.exec(message!)![1])).toBe(cost(supergraph, nested));
    // Less is within the default, and within a raised limit the deeper one passes too.
    const lighter = '{ __type(name: "Query") { fields { type { fields { name } } } } }';
    expect(cost(supergraph, lighter)).toBeLessThan(50_000);
    expect(check(supergraph, lighter)).toEqual([]);
    expect(check(supergraph, nested, { maxIntrospectionCost: cost(supergraph, nested) })).toEqual([]);
  });

  it('refuses the full query many times over under aliases', () => {
    const full = fullIntrospectionCost(supergraph);
    const limit = Math.ceil(2.5 * full);
    expect(check(supergraph, copiesOfFullQuery(2), { maxIntrospectionCost: limit })).toEqual([]);
    const [message, ...others] = check(supergraph, copiesOfFullQuery(3), { maxIntrospectionCost: limit });
    expect(others).toEqual([]);
    expect(message).toMatch(
      new RegExp(`^Operation Copies's introspection could resolve \\d+ values; the limit is ${limit}\\.$`),
    );
    expect(Math.abs(Number(/resolve (\d+)/.exec(message!)![1]) - 3 * full)).toBeLessThanOrEqual(3);
  });

  it('finds introspection inside fragments on Query and beside data', () => {
    const hidden = `
      query Hidden { me { id } ...Everything }
      fragment Everything on Query { __schema { types { fields { type { fields { args { type { enumValues { name } } } }
        } } } } }`;
    expect(check(supergraph, hidden)).toEqual([
      expect.stringMatching(/^Operation Hidden's introspection could resolve \d+ values/),
    ]);
  });

  it('still limits data by depth, and counts introspection only by its cost', () => {
    const deepData = `{ me ${'{ friends '.repeat(11)}{ id }${' }'.repeat(11)} }`;
    expect(check(small, deepData)).toEqual(['Operation anonymous is 13 levels deep; the limit is 12.']);
    // The data beside a standard introspection query is measured on its own.
    const both = FULL_INTROSPECTION_QUERY.replace(
      '__schema {',
      `me ${'{ friends '.repeat(11)}{ id }${' }'.repeat(11)} __schema {`,
    );
    expect(check(small, both.replace('query IntrospectionQuery', 'query Both'))).toEqual([
      'Operation Both is 13 levels deep; the limit is 12.',
    ]);
  });

  it('counts aliases inside introspection like any other', () => {
    const aliased = '{ a: __schema { types { n: name } } b: __schema { types { name } } }';
    expect(check(small, aliased, { maxAliases: 2 })).toEqual(['Operation anonymous uses 3 aliases; the limit is 2.']);
  });
});

/** The full introspection query with its `__schema` field `n` times under aliases. */
function copiesOfFullQuery(n: number): string {
  const document = parse(FULL_INTROSPECTION_QUERY);
  const [operation, ...fragments] = document.definitions as [OperationDefinitionNode, ...DefinitionNode[]];
  const schemaField = operation.selectionSet.selections[0] as FieldNode;
  const selections = Array.from(
    { length: n },
    (_, i) => ({ ...schemaField, alias: { kind: Kind.NAME, value: `c${i}` } }) as FieldNode,
  );
  return print({
    ...document,
    definitions: [
      {
        ...operation,
        name: { kind: Kind.NAME, value: 'Copies' },
        selectionSet: { kind: Kind.SELECTION_SET, selections },
      },
      ...fragments,
    ],
  });
}

function fullOptions() {
  return {
    descriptions: true,
    specifiedByUrl: true,
    directiveIsRepeatable: true,
    schemaDescription: true,
    inputValueDeprecation: true,
    oneOf: true,
  };
}
