import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { execute, Kind, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { fragmentsOf } from './introspection-cost.js';

/**
 * Answers operations that only introspect with graphql-js on the API schema, not through the query
 * planner. @apollo/gateway's own model of the introspection types lacks `__Type.isOneOf`, so
 * graphql-js's introspection query with `oneOf: true` failed there with INTERNAL_SERVER_ERROR; the
 * gateway answers introspection with graphql-js on the same schema anyway. Runs after validation,
 * so the query limits still apply. Anything that goes wrong is left to the usual path, which knows
 * how to report it.
 */
export function introspectionAnsweredLocally<TContext extends object>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ schema, document, operation, operationName, request }) {
          if (operation?.operation !== 'query' || !onlyIntrospection(operation.selectionSet, fragmentsOf(document)))
            return null;
          const result = await execute({ schema, document, operationName, variableValues: request.variables });
          if (result.errors?.length) return null;
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: { data: result.data } },
          };
        },
      };
    },
  };
}

/** Whether every root field, fragments included, is `__schema`, `__type` or `__typename`. */
function onlyIntrospection(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): boolean {
  return selectionSet.selections.every((selection) => {
    if (selection.kind === Kind.FIELD) return selection.name.value.startsWith('__');
    if (selection.kind === Kind.INLINE_FRAGMENT) return onlyIntrospection(selection.selectionSet, fragments, seen);
    const fragment = fragments.get(selection.name.value);
    if (!fragment) return false;
    // Validation has ruled out cycles; a fragment spread twice need only be checked once.
    if (seen.has(fragment.name.value)) return true;
    seen.add(fragment.name.value);
    return onlyIntrospection(fragment.selectionSet, fragments, seen);
  });
}
