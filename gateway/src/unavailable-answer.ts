import type { ApolloGateway } from '@apollo/gateway';
import type { GatewayExecutionResult, GatewayGraphQLRequestContext, GatewayInterface } from '@apollo/server-gateway-interface';
import { GraphQLError, Kind, parse, type DirectiveNode, type DocumentNode, type FieldNode, type SelectionSetNode, type TypeNode } from 'graphql';
import { SubgraphUnavailableError } from './keep-alive-fetcher.js';

/** Per field of the supergraph ("User.posts"): the subgraphs that resolve it and its named type. */
type FieldMap = Map<string, { subgraphs: Set<string>; type: string }>;

/**
 * When a subgraph does not answer, Apollo's gateway leaves its fields null and reports one error with
 * no path. This answers instead one SERVICE_UNAVAILABLE error per field that is null for it, with
 * that field's path, so a client can tell which part of its answer is missing and why.
 */
export function answeringUnavailableFields(gateway: ApolloGateway): GatewayInterface {
  let fields: FieldMap = new Map();
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => void (fields = fieldMap(coreSupergraphSdl)));
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    stop: () => gateway.stop(),
    async load(options) {
      const loaded = await gateway.load(options);
      return { ...loaded, executor: async (context) => withFieldPaths(await loaded.executor(context), context, fields) };
    },
  };
}

function withFieldPaths(result: GatewayExecutionResult, context: GatewayGraphQLRequestContext, fields: FieldMap): GatewayExecutionResult {
  const unavailable = (result.errors ?? []).filter((e) => !e.path && unavailableSubgraph(e));
  if (!unavailable.length || !result.data) return result;
  const failed = new Map(unavailable.map((e) => [unavailableSubgraph(e)!, e]));
  const fragments = new Map(context.document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])));
  const rootType = { query: 'Query', mutation: 'Mutation', subscription: 'Subscription' }[context.operation.operation];
  const answered: GraphQLError[] = [];

  // The subgraph among the failed whose field in this selection, at any depth, a null here stands for.
  const failedWithin = (typeName: string, selections: SelectionSetNode | undefined): GraphQLError | undefined => {
    for (const { field, typeName: parent } of fieldsOf(typeName, selections)) {
      const known = fields.get(`${parent}.${field.name.value}`);
      if (!known) continue;
      const direct = [...known.subgraphs].find((s) => failed.has(s));
      if (direct) return failed.get(direct);
      const nested = failedWithin(known.type, field.selectionSet);
      if (nested) return nested;
    }
    return undefined;
  };
  const walk = (typeName: string, selections: SelectionSetNode | undefined, value: unknown, path: (string | number)[]) => {
    if (Array.isArray(value)) return value.forEach((item, index) => walk(typeName, selections, item, [...path, index]));
    if (!value || typeof value !== 'object') return;
    for (const { field, typeName: parent } of fieldsOf(typeName, selections)) {
      const key = field.alias?.value ?? field.name.value;
      const known = fields.get(`${parent}.${field.name.value}`);
      if (!known) continue;
      const child = (value as Record<string, unknown>)[key];
      if (child === null) {
        const direct = [...known.subgraphs].find((s) => failed.has(s));
        const cause = direct ? failed.get(direct) : failedWithin(known.type, field.selectionSet);
        if (cause) answered.push(new GraphQLError(cause.message, { path: [...path, key], originalError: cause.originalError ?? cause }));
      } else {
        walk(known.type, field.selectionSet, child, [...path, key]);
      }
    }
  };
  const fieldsOf = (typeName: string, selections: SelectionSetNode | undefined) => collectFields(typeName, selections, fragments);
  walk(rootType, context.operation.selectionSet, result.data, []);
  if (!answered.length) return result;
  return { ...result, errors: [...(result.errors ?? []).filter((e) => !unavailable.includes(e)), ...answered] };
}

/** The fields a selection asks of an object, through fragments (the supergraph has no abstract types). */
function collectFields(typeName: string, selections: SelectionSetNode | undefined, fragments: Map<string, SelectionSetNode>) {
  const out: { field: FieldNode; typeName: string }[] = [];
  for (const selection of selections?.selections ?? []) {
    if (selection.kind === Kind.FIELD) out.push({ field: selection, typeName });
    else if (selection.kind === Kind.INLINE_FRAGMENT) out.push(...collectFields(typeName, selection.selectionSet, fragments));
    else out.push(...collectFields(typeName, fragments.get(selection.name.value), fragments));
  }
  return out;
}

function unavailableSubgraph(error: GraphQLError): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    if (e instanceof SubgraphUnavailableError) return e.subgraph;
    e = (e as { originalError?: unknown; cause?: unknown }).originalError ?? (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Reads join__field and join__type from the supergraph: which subgraph resolves each field. */
function fieldMap(supergraphSdl: string): FieldMap {
  const document: DocumentNode = parse(supergraphSdl);
  const graphNames = new Map<string, string>();
  const argument = (directive: DirectiveNode, name: string) => {
    const value = directive.arguments?.find((a) => a.name.value === name)?.value;
    return value && (value.kind === Kind.ENUM || value.kind === Kind.STRING || value.kind === Kind.BOOLEAN) ? String(value.value) : undefined;
  };
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const graph = value.directives?.find((d) => d.name.value === 'join__graph');
      if (graph) graphNames.set(value.name.value, argument(graph, 'name')!);
    }
  }
  const map: FieldMap = new Map();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const typeGraphs = (definition.directives ?? []).filter((d) => d.name.value === 'join__type').map((d) => argument(d, 'graph')!);
    for (const field of definition.fields ?? []) {
      const joins = (field.directives ?? []).filter((d) => d.name.value === 'join__field' && argument(d, 'graph'));
      const graphs = joins.length
        ? joins.filter((d) => argument(d, 'external') !== 'true' && argument(d, 'usedOverridden') !== 'true').map((d) => argument(d, 'graph')!)
        : typeGraphs;
      map.set(`${definition.name.value}.${field.name.value}`, { subgraphs: new Set(graphs.map((g) => graphNames.get(g) ?? g)), type: namedType(field.type) });
    }
  }
  return map;
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}
