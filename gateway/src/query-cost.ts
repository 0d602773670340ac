import {
  GraphQLError,
  Kind,
  getNamedType,
  getNullableType,
  isInterfaceType,
  isListType,
  isObjectType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '@peerlink/platform/graphql/page-size';
import { fragmentsOf } from './introspection-cost.js';

/** The arguments that say how many items a list field returns. */
const PAGE_ARGUMENTS = ['first', 'last', 'limit'];

/** A list without paging arguments (an order's lines, a cart's items) is guessed at this many items. */
export const UNPAGED_LIST_ESTIMATE = 10;

/**
 * What an operation may cost to answer, estimated from its text before anything runs: every field
 * costs 1, and a list's fields count once per item it may return, so nested lists multiply (50
 * products, each seller's 50 products, each of their sellers' 50: 125,000 nodes). A paged list is
 * priced at the page size asked for (`first`, `last` or `limit`, literal or variable, clamped to the
 * server's MAX_PAGE_SIZE), or the default page when none is asked for; the list inside a connection
 * (`edges`) is that same page, not another multiplication. `__typename` and introspection are free
 * here (introspection has its own limit, introspection-cost.ts).
 */
export function queryCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const defaults = new Map<string, unknown>();
  for (const definition of operation.variableDefinitions ?? []) {
    const value = definition.defaultValue;
    if (value?.kind === Kind.INT) defaults.set(definition.variable.name.value, Number(value.value));
  }
  const walk: Walk = {
    schema,
    fragments: fragmentsOf(document),
    costs: new Map(),
    variable: (name) => (name in variables ? variables[name] : defaults.get(name)),
  };
  return Math.min(measure(operation.selectionSet, root, false, walk), Number.MAX_SAFE_INTEGER);
}

interface Walk {
  schema: GraphQLSchema;
  fragments: Map<string, FragmentDefinitionNode>;
  /** Fragment costs by name and paging, measured once and reused at every spread (null: being measured). */
  costs: Map<string, number | null>;
  variable(name: string): unknown;
}

/** `paged`: this selection set is a paged list's own (a connection): its list fields are that page. */
function measure(selectionSet: SelectionSetNode, type: GraphQLNamedType, paged: boolean, walk: Walk): number {
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[selection.name.value] : undefined;
      if (!field) {
        cost += 1;
        continue;
      }
      const pageSize = pageSizeAsked(selection, field, walk);
      const inner = selection.selectionSet
        ? measure(selection.selectionSet, getNamedType(field.type), pageSize !== null, walk)
        : 0;
      const items = pageSize ?? (isListType(getNullableType(field.type)) && !paged ? UNPAGED_LIST_ESTIMATE : 1);
      cost += 1 + items * inner;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      const condition = selection.typeCondition ? walk.schema.getType(selection.typeCondition.name.value) : type;
      cost += measure(selection.selectionSet, condition ?? type, paged, walk);
    } else {
      cost += fragmentCost(selection.name.value, paged, walk);
    }
    if (cost >= Number.MAX_SAFE_INTEGER) return cost;
  }
  return cost;
}

function fragmentCost(name: string, paged: boolean, walk: Walk): number {
  const key = `${name}:${paged}`;
  const known = walk.costs.get(key);
  if (known !== undefined && known !== null) return known;
  const fragment = walk.fragments.get(name);
  // A spread inside itself is a cycle, which graphql's own NoFragmentCycles rule reports.
  if (!fragment || known === null) return 0;
  const type = walk.schema.getType(fragment.typeCondition.name.value);
  if (!type) return 0;
  walk.costs.set(key, null);
  const cost = measure(fragment.selectionSet, type, paged, walk);
  walk.costs.set(key, cost);
  return cost;
}

/** The page a paged list field is asked for, clamped to the max; null for a field that takes no page size. */
function pageSizeAsked(selection: FieldNode, field: GraphQLField<unknown, unknown>, walk: Walk): number | null {
  const names = field.args.filter((arg) => PAGE_ARGUMENTS.includes(arg.name)).map((arg) => arg.name);
  if (names.length === 0) return null;
  let asked: number | null = null;
  for (const argument of selection.arguments ?? []) {
    if (!names.includes(argument.name.value)) continue;
    const value = argument.value;
    const size =
      value.kind === Kind.INT
        ? Number(value.value)
        : value.kind === Kind.VARIABLE
          ? walk.variable(value.name.value)
          : null;
    if (typeof size === 'number' && Number.isFinite(size)) asked = Math.max(asked ?? 0, size);
  }
  // A size the server refuses (0, negative, above the max) costs the most it could otherwise return.
  return Math.min(Math.max(asked ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
}

/**
 * Refuses, before any subgraph is called, an operation whose estimated cost is above `maxCost`
 * (0: no limit). A plugin rather than a validation rule because page sizes are often variables,
 * whose values validation does not see.
 */
export function queryCostLimit<TContext extends object>(maxCost: number): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request }) {
          if (!maxCost || !operation) return;
          const error = costRefusal(schema, document, operation, request.variables, maxCost);
          // A client's mistake, not the server's: HTTP 400, as validation errors.
          if (error)
            throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}

/** QUERY_TOO_COSTLY with the cost and the limit, or null when the operation fits. */
export function costRefusal(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
  maxCost: number,
): GraphQLError | null {
  if (!maxCost) return null;
  const cost = queryCost(schema, document, operation, variables ?? {});
  if (cost <= maxCost) return null;
  const name = operation.name?.value ?? 'anonymous';
  return new GraphQLError(
    `Operation ${name} could cost ${cost} (each field 1, lists once per item asked for); the limit is ` +
      `${maxCost}. Ask for smaller pages or fewer nested lists.`,
    { extensions: { code: 'QUERY_TOO_COSTLY', cost, limit: maxCost } },
  );
}
