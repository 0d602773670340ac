import type { ApolloGateway } from '@apollo/gateway';
import type {
  GatewayExecutionResult,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import { namedType, supergraphObjects } from '@peerlink/platform/graphql/supergraph-fields';
import { GraphQLError, Kind, type FieldNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { fragmentsOf } from './introspection-cost.js';
import { SubgraphUnavailableError } from './keep-alive-fetcher.js';

type FieldMap = Map<string, { subgraphs: Set<string>; type: string }>;

/**
 * When a subgraph does not answer, Apollo's gateway leaves its fields null and reports one error with
 * no path. This answers instead one SERVICE_UNAVAILABLE error per field that is null for it, with
 * that field's path, so a client can tell which part of its answer is missing and why.
 */
export function answeringUnavailableFields(gateway: ApolloGateway): GatewayInterface {
  let fields: FieldMap = new Map();
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    fields = fieldMap(coreSupergraphSdl);
  });
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const loaded = await gateway.load(options);
      return {
        ...loaded,
        executor: async (context) => withFieldPaths(await loaded.executor(context), context, fields),
      };
    },
  };
}

function withFieldPaths(
  result: GatewayExecutionResult,
  context: GatewayGraphQLRequestContext,
  fields: FieldMap,
): GatewayExecutionResult {
  const unavailable = (result.errors ?? []).filter((e) => !e.path && unavailableSubgraph(e));
  if (!unavailable.length || !result.data) return result;
  const failed = new Map(unavailable.map((e) => [unavailableSubgraph(e)!, e]));
  const fragments = fragmentsOf(context.document);
  const rootType = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' }[context.operation.operation];
  const answered: GraphQLError[] = [];

  // A null not resolved by a failed subgraph itself may be one carried up from a non-null field below:
  // the failed subgraph's error of the first field of this selection, at any depth, that it resolves.
  const failedWithin = (typeName: string, selections: SelectionSetNode | undefined): GraphQLError | undefined => {
    for (const field of collectFields(selections, fragments)) {
      const known = fields.get(`${typeName}.${field.name.value}`);
      if (!known) continue;
      const direct = [...known.subgraphs].find((s) => failed.has(s));
      if (direct) return failed.get(direct);
      const nested = failedWithin(known.type, field.selectionSet);
      if (nested) return nested;
    }
    return undefined;
  };
  const walk = (
    typeName: string,
    selections: SelectionSetNode | undefined,
    value: unknown,
    path: (string | number)[],
  ) => {
    if (Array.isArray(value)) {
      for (const [index, item] of value.entries()) walk(typeName, selections, item, [...path, index]);
      return;
    }
    if (!value || typeof value !== 'object') return;
    for (const field of collectFields(selections, fragments)) {
      const key = field.alias?.value ?? field.name.value;
      const known = fields.get(`${typeName}.${field.name.value}`);
      if (!known) continue;
      const child = (value as Record<string, unknown>)[key];
      if (child === null) {
        const direct = [...known.subgraphs].find((s) => failed.has(s));
        const cause = direct ? failed.get(direct) : failedWithin(known.type, field.selectionSet);
        if (cause)
          answered.push(
            new GraphQLError(cause.message, { path: [...path, key], originalError: cause.originalError ?? cause }),
          );
      } else {
        walk(known.type, field.selectionSet, child, [...path, key]);
      }
    }
  };
  walk(rootType, context.operation.selectionSet, result.data, []);
  if (!answered.length) return result;
  return { ...result, errors: [...(result.errors ?? []).filter((e) => !unavailable.includes(e)), ...answered] };
}

/** The fields a selection asks of an object, through fragments (the supergraph has no abstract types). */
function collectFields(
  selections: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
): FieldNode[] {
  return (selections?.selections ?? []).flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection];
    return collectFields(
      selection.kind === Kind.INLINE_FRAGMENT
        ? selection.selectionSet
        : fragments.get(selection.name.value)?.selectionSet,
      fragments,
    );
  });
}

function unavailableSubgraph(error: GraphQLError): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof SubgraphUnavailableError) return e.subgraph;
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Per field of the supergraph, "User.posts": the subgraphs that resolve it and the type of its value. */
function fieldMap(supergraphSdl: string): FieldMap {
  const map: FieldMap = new Map();
  for (const object of supergraphObjects(supergraphSdl).values()) {
    for (const field of object.fields)
      map.set(`${object.name}.${field.name}`, { subgraphs: field.subgraphs, type: namedType(field.type) });
  }
  return map;
}
