import {
  getIntrospectionQuery,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isUnionType,
  Kind,
  parse,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type GraphQLType,
  type SelectionSetNode,
} from 'graphql';

/**
 * What introspection costs, estimated as the number of values it resolves in this schema.
 *
 * Depth says nothing here: GraphiQL's own query is 15 levels deep, mostly `ofType` chains, yet
 * bounded by the schema. What multiplies is lists: `types`, `fields`, `args`, ... Under a parent
 * set that holds every object of its kind (`__schema { types { fields } }`) a list adds exactly the
 * schema's total; under any other (`fields { type { fields } }`, `__type(name:)`) each parent may
 * be the largest, so it multiplies by the longest such list. `ofType` is one object and is null
 * past the deepest wrapping in the schema (`[String!]!` is three), so chains cost little.
 */

interface Listing {
  /** Items across the whole schema. */
  total: number;
  /** Parents that hold them: the average under "every parent" is total / parents. */
  parents: number;
  /** The longest list under one parent. */
  longest: number;
}

export interface SchemaSizes {
  lists: Map<string, Listing>;
  /** The most List and NonNull wrappers around any field's, argument's or input field's type. */
  deepestWrapping: number;
}

/** Lists whose items belong to one parent each: under every parent, they are every item, once. */
const OWNED = new Set([
  '__Schema.types',
  '__Schema.directives',
  '__Type.fields',
  '__Type.inputFields',
  '__Type.enumValues',
  '__Field.args',
  '__Directive.args',
]);

/** What each introspection field returns: another introspection object, and whether it is a list. */
const RETURNS: Record<string, Record<string, { type: string; list: boolean }>> = {
  __Schema: {
    types: { type: '__Type', list: true },
    queryType: { type: '__Type', list: false },
    mutationType: { type: '__Type', list: false },
    subscriptionType: { type: '__Type', list: false },
    directives: { type: '__Directive', list: true },
  },
  __Type: {
    fields: { type: '__Field', list: true },
    interfaces: { type: '__Type', list: true },
    possibleTypes: { type: '__Type', list: true },
    enumValues: { type: '__EnumValue', list: true },
    inputFields: { type: '__InputValue', list: true },
    ofType: { type: '__Type', list: false },
  },
  __Field: { args: { type: '__InputValue', list: true }, type: { type: '__Type', list: false } },
  __InputValue: { type: { type: '__Type', list: false } },
  __Directive: { args: { type: '__InputValue', list: true } },
};

const sizesOf = new WeakMap<GraphQLSchema, SchemaSizes>();

/** Counted once per schema: the gateway swaps the schema object when the supergraph changes. */
export function schemaSizes(schema: GraphQLSchema): SchemaSizes {
  let sizes = sizesOf.get(schema);
  if (!sizes) {
    sizes = countSizes(schema);
    sizesOf.set(schema, sizes);
  }
  return sizes;
}

function countSizes(schema: GraphQLSchema): SchemaSizes {
  const lists = new Map<string, Listing>();
  const add = (key: string, parents: number, length: number) => {
    const listing = lists.get(key) ?? { total: 0, parents, longest: 0 };
    listing.total += length;
    listing.longest = Math.max(listing.longest, length);
    lists.set(key, listing);
  };
  let deepestWrapping = 0;
  const wrapping = (type: GraphQLType) => {
    let depth = 0;
    for (let t = type; isListType(t) || isNonNullType(t); t = t.ofType) depth++;
    deepestWrapping = Math.max(deepestWrapping, depth);
  };

  const types = Object.values(schema.getTypeMap());
  const fieldCount = types.reduce(
    (n, t) => n + (isObjectType(t) || isInterfaceType(t) ? Object.keys(t.getFields()).length : 0),
    0,
  );
  const directives = schema.getDirectives();
  add('__Schema.types', 1, types.length);
  add('__Schema.directives', 1, directives.length);
  for (const type of types) {
    const fields = isObjectType(type) || isInterfaceType(type) ? Object.values(type.getFields()) : [];
    add('__Type.fields', types.length, fields.length);
    add(
      '__Type.interfaces',
      types.length,
      isObjectType(type) || isInterfaceType(type) ? type.getInterfaces().length : 0,
    );
    add(
      '__Type.possibleTypes',
      types.length,
      isUnionType(type) || isInterfaceType(type) ? schema.getPossibleTypes(type).length : 0,
    );
    add('__Type.enumValues', types.length, isEnumType(type) ? type.getValues().length : 0);
    const inputFields = isInputObjectType(type) ? Object.values(type.getFields()) : [];
    add('__Type.inputFields', types.length, inputFields.length);
    for (const field of fields) {
      add('__Field.args', fieldCount, field.args.length);
      wrapping(field.type);
      for (const arg of field.args) wrapping(arg.type);
    }
    for (const field of inputFields) wrapping(field.type);
  }
  for (const directive of directives) {
    add('__Directive.args', directives.length, directive.args.length);
    for (const arg of directive.args) wrapping(arg.type);
  }
  return { lists, deepestWrapping };
}

/** Where a selection is evaluated: on which introspection type, over which parents. */
interface Place {
  type: string;
  /** The parents are every object of their kind (every type, every field, ...). */
  every: boolean;
  /** How many more `ofType` steps can still be non-null. */
  wrapping: number;
}

/** Fragments already measured, per place, so spreading one many times costs one walk. */
type Memo = Map<string, number | null>;

export class IntrospectionCost {
  private readonly memo: Memo = new Map();

  constructor(
    private readonly sizes: SchemaSizes,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  ) {}

  /** The cost of one root field, `__schema` or `__type`, with its selection. */
  ofRootField(name: '__schema' | '__type', selectionSet: SelectionSetNode | undefined): number {
    const place: Place =
      name === '__schema'
        ? { type: '__Schema', every: true, wrapping: 0 }
        : { type: '__Type', every: false, wrapping: 0 };
    return 1 + (selectionSet ? this.perParent(selectionSet, place) : 0);
  }

  /** Values resolved for one parent at `place`; multiplied by the caller for many parents. */
  private perParent(selectionSet: SelectionSetNode, place: Place): number {
    let cost = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const name = selection.name.value;
        if (name === '__typename') continue;
        cost += 1;
        const returns = RETURNS[place.type]?.[name];
        // Leaves, and fields other rules reject, cost their one value.
        if (!returns || !selection.selectionSet) continue;
        const key = `${place.type}.${name}`;
        const wrapping = name === 'ofType' ? place.wrapping - 1 : name === 'type' ? this.sizes.deepestWrapping : 0;
        // Past the deepest wrapping every `ofType` is null: nothing under it runs.
        if (wrapping < 0) continue;
        const listing = returns.list ? this.sizes.lists.get(key) : undefined;
        const owned = OWNED.has(key);
        // Under every parent a list holds its exact total, spread evenly; under some, the longest each.
        const children = !returns.list
          ? 1
          : !listing?.total
            ? 0
            : place.every
              ? listing.total / listing.parents
              : listing.longest;
        if (children === 0) continue;
        cost +=
          children *
          this.perParent(selection.selectionSet, { type: returns.type, every: place.every && owned, wrapping });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        cost += this.perParent(selection.selectionSet, place);
      } else {
        cost += this.fragment(selection.name.value, place);
      }
    }
    // Nesting multiplies fast: keep the estimate a finite, printable number.
    return Math.min(cost, Number.MAX_SAFE_INTEGER);
  }

  private fragment(name: string, place: Place): number {
    const key = `${name}|${place.type}|${place.every}|${place.wrapping}`;
    const known = this.memo.get(key);
    if (known != null) return known;
    const fragment = this.fragments.get(name);
    // null marks a fragment being measured: a cycle, which graphql's NoFragmentCycles reports.
    if (!fragment || known === null) return 0;
    this.memo.set(key, null);
    const cost = this.perParent(fragment.selectionSet, place);
    this.memo.set(key, cost);
    return cost;
  }
}

/**
 * What `document`'s root `__schema` and `__type` fields cost in `schema` (the limits rule also finds them in
 * fragments).
 */
export function introspectionCost(schema: GraphQLSchema, document: DocumentNode): number {
  const fragments = fragmentsOf(document);
  const cost = new IntrospectionCost(schemaSizes(schema), fragments);
  let total = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind === Kind.FIELD && (selection.name.value === '__schema' || selection.name.value === '__type')) {
        total += cost.ofRootField(selection.name.value, selection.selectionSet);
      }
    }
  }
  return Math.min(Math.ceil(total), Number.MAX_SAFE_INTEGER);
}

/**
 * graphql-js's introspection query with every option on: a superset of what GraphiQL, codegen and other clients send.
 */
export const FULL_INTROSPECTION_QUERY = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});
const fullIntrospection = parse(FULL_INTROSPECTION_QUERY);
const fullCostOf = new WeakMap<GraphQLSchema, number>();

/** What the full introspection query costs in `schema`: no limit may fall below it. */
export function fullIntrospectionCost(schema: GraphQLSchema): number {
  let cost = fullCostOf.get(schema);
  if (cost === undefined) {
    cost = introspectionCost(schema, fullIntrospection);
    fullCostOf.set(schema, cost);
  }
  return cost;
}

/** A document's fragment definitions by name. */
export function fragmentsOf(document: DocumentNode): Map<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  return fragments;
}
