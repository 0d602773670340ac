import {
  Kind,
  parseType,
  print,
  visit,
  type ArgumentNode,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type NameNode,
  type OperationDefinitionNode,
  type TypeNode,
  type VariableDefinitionNode,
  type VariableNode,
} from 'graphql';

export const LIVE_ID_VARIABLE = '__liveId';

/**
 * Turns a subscription into the query the gateway runs for each event:
 *
 *   subscription { notificationAdded { kind actor { username } } }
 *   →  query ($__liveId: ID!) { notificationAdded: notification(id: $__liveId) { kind actor { username } } }
 *
 * so every event is resolved by the normal federated query path, with the subscriber's identity,
 * and the client receives data under the field name it asked for.
 */
export function toLookupQuery(document: DocumentNode, operation: OperationDefinitionNode, lookup: string): string {
  const id: ArgumentNode = { kind: Kind.ARGUMENT, name: name('id'), value: variable(LIVE_ID_VARIABLE) };
  return asQuery(
    document,
    operation,
    lookup,
    [id],
    [definition(LIVE_ID_VARIABLE, { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: name('ID') } })],
  );
}

/** The prefix of the variables a current-state query passes the subscription's arguments in. */
export const CURRENT_VARIABLE_PREFIX = '__current_';

/** The subscription arguments a `@live(current:)` query names as `$argument`. */
export function argumentsOf(current: FieldNode): string[] {
  const names: string[] = [];
  visit(current, { Variable: (v) => void names.push(v.name.value) });
  return names;
}

/**
 * Turns a subscription into the query that reads the state as it is now, by one `current` entry
 * of its `@live`; `args` are the subscription's arguments, already coerced:
 *
 *   subscription { orderUpdated(orderId: "o1", current: true) { status } }   with   order(id: $orderId)
 *   →  query ($__current_orderId: ID!) { orderUpdated: order(id: $__current_orderId) { status } }
 *      and the variables { __current_orderId: "o1" }
 *
 * Each variable takes the type the query field's argument has in `schema`.
 */
export function toCurrentQuery(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  current: FieldNode,
  schema: GraphQLSchema,
  args: Record<string, unknown>,
): { query: string; variables: Record<string, unknown> } {
  const field = schema.getQueryType()?.getFields()[current.name.value];
  if (!field) throw new Error(`@live(current:) names Query.${current.name.value}, which the schema lacks`);
  const variables: Record<string, unknown> = {};
  const definitions: VariableDefinitionNode[] = [];
  const argumentNodes = (current.arguments ?? []).map((argument): ArgumentNode => {
    if (argument.value.kind !== Kind.VARIABLE) return argument;
    const type = field.args.find((a) => a.name === argument.name.value)?.type;
    if (!type)
      throw new Error(`@live(current:) passes ${argument.name.value}, which Query.${field.name} does not take`);
    const renamed = CURRENT_VARIABLE_PREFIX + argument.value.name.value;
    variables[renamed] = args[argument.value.name.value];
    definitions.push(definition(renamed, parseType(String(type))));
    return { ...argument, value: variable(renamed) };
  });
  return { query: asQuery(document, operation, current.name.value, argumentNodes, definitions), variables };
}

/** The subscription's root field, renamed to `lookup` with `args`, as a query with the variables it needs. */
function asQuery(
  document: DocumentNode,
  operation: OperationDefinitionNode,
  lookup: string,
  args: ArgumentNode[],
  ownVariables: VariableDefinitionNode[],
): string {
  const root = operation.selectionSet.selections[0] as FieldNode;
  const lookupField: FieldNode = {
    ...root,
    alias: name(root.alias?.value ?? root.name.value),
    name: name(lookup),
    arguments: args,
  };
  const query: OperationDefinitionNode = {
    ...operation,
    operation: 'query' as OperationDefinitionNode['operation'],
    selectionSet: { ...operation.selectionSet, selections: [lookupField] },
  };
  // Only the fragments this selection spreads: the document may hold other operations, and a query
  // carrying a fragment it never uses fails validation.
  const fragments = usedFragments(document, lookupField);
  const used = usedVariables([query, ...fragments]);
  const ownNames = new Set(ownVariables.map((v) => v.variable.name.value));
  // The subscription's own arguments filter events; variables only they used must go.
  const variableDefinitions: VariableDefinitionNode[] = [
    ...(operation.variableDefinitions ?? []).filter(
      (v) => used.has(v.variable.name.value) && !ownNames.has(v.variable.name.value),
    ),
    ...ownVariables,
  ];
  return print({ kind: Kind.DOCUMENT, definitions: [{ ...query, variableDefinitions }, ...fragments] });
}

const name = (value: string): NameNode => ({ kind: Kind.NAME, value });
const variable = (value: string): VariableNode => ({ kind: Kind.VARIABLE, name: name(value) });
const definition = (value: string, type: TypeNode): VariableDefinitionNode => ({
  kind: Kind.VARIABLE_DEFINITION,
  variable: variable(value),
  type,
});

/** The fragments `root` spreads, directly or through other fragments, in document order. */
function usedFragments(document: DocumentNode, root: FieldNode): FragmentDefinitionNode[] {
  const fragments = document.definitions.filter(
    (d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION,
  );
  const byName = new Map(fragments.map((f) => [f.name.value, f]));
  const used = new Set<string>();
  const pending: ASTNode[] = [root];
  while (pending.length) {
    visit(pending.pop()!, {
      FragmentSpread: (spread) => {
        const fragment = byName.get(spread.name.value);
        if (!fragment || used.has(fragment.name.value)) return;
        used.add(fragment.name.value);
        pending.push(fragment);
      },
    });
  }
  return fragments.filter((f) => used.has(f.name.value));
}

function usedVariables(nodes: readonly object[]): Set<string> {
  const names = new Set<string>();
  for (const node of nodes) {
    visit(node as DocumentNode, {
      VariableDefinition: () => false,
      Variable: (variable) => void names.add(variable.name.value),
    });
  }
  return names;
}
