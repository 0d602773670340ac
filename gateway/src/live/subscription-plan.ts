import {
  GraphQLError,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { getArgumentValues, getVariableValues } from 'graphql/execution/values.js';
import { CURRENT_ARGUMENT } from '@peerlink/platform/graphql/live';
import type { LiveField } from './live-fields.js';
import { argumentsOf, toCurrentQuery } from './live-query.js';

/** What the gateway works out about a subscription before it listens. */
export interface SubscriptionPlan {
  /** The arguments its events must match (`current` is not one). */
  filters: Record<string, unknown>;
  /** The query for the state as it is now, when the client asked for it. */
  current: { query: string; variables: Record<string, unknown> } | null;
}

/**
 * The subscription's arguments, coerced as a query's would be, so bad ones are BAD_USER_INPUT here
 * rather than a closed socket later, and its current-state query if `current: true`. Throws only
 * when the subgraph's `@live(current:)` names a query the schema lacks.
 */
export function planSubscription(
  schema: GraphQLSchema,
  live: LiveField,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  inputs: Record<string, unknown>,
): SubscriptionPlan | GraphQLError[] {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], inputs);
  if (coerced.errors) return coerced.errors.map((e) => badInput(e.message));
  const root = operation.selectionSet.selections[0] as FieldNode;
  const fieldDef = schema.getSubscriptionType()?.getFields()[root.name.value];
  if (!fieldDef) return [badInput(`Subscription ${root.name.value} is not served by this gateway.`)];
  let args: Record<string, unknown>;
  try {
    args = getArgumentValues(fieldDef, root, coerced.coerced);
  } catch (error) {
    return [badInput((error as Error).message)];
  }
  const { [CURRENT_ARGUMENT]: wantsCurrent, ...filters } = args;
  if (wantsCurrent !== true) return { filters, current: null };
  const by = live.current?.find((query) => argumentsOf(query).every((name) => args[name] != null));
  if (!by) {
    const names = live.current?.map((query) => argumentsOf(query).join(' and ')).join(' or ');
    return [
      badInput(
        names
          ? `${live.field} sends its current state for one named by ${names}.`
          : `${live.field} has no current state to send.`,
      ),
    ];
  }
  return { filters, current: toCurrentQuery(document, operation, by, schema, args) };
}

const badInput = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
