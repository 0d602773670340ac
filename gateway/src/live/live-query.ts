import {
  Kind,
  print,
  visit,
  type ASTNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type VariableDefinitionNode,
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
  const root = operation.selectionSet.selections[0] as FieldNode;
  const lookupField: FieldNode = {
    ...root,
    alias: { kind: Kind.NAME, value: root.alias?.value ?? root.name.value },
    name: { kind: Kind.NAME, value: lookup },
    arguments: [
      { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: LIVE_ID_VARIABLE } } },
    ],
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
  // The subscription's own arguments filter events; variables only they used must go.
  const variableDefinitions: VariableDefinitionNode[] = [
    ...(operation.variableDefinitions ?? []).filter((v) => used.has(v.variable.name.value)),
    {
      kind: Kind.VARIABLE_DEFINITION,
      variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: LIVE_ID_VARIABLE } },
      type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
    },
  ];
  return print({ kind: Kind.DOCUMENT, definitions: [{ ...query, variableDefinitions }, ...fragments] });
}

/** The fragments `root` spreads, directly or through other fragments, in document order. */
function usedFragments(document: DocumentNode, root: FieldNode): FragmentDefinitionNode[] {
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
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
