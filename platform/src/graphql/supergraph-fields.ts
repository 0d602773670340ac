import { Kind, parse, type DirectiveNode, type TypeNode } from 'graphql';

export interface SupergraphField {
  name: string;
  type: TypeNode;
  /** The subgraphs (by name: "identity") that resolve it; an @external declaration does not count. */
  subgraphs: Set<string>;
  /** Per subgraph, the fields of its value that subgraph @provides along it (top level only). */
  provides: Map<string, Set<string>>;
}

export interface SupergraphObject {
  name: string;
  subgraphs: Set<string>;
  fields: SupergraphField[];
}

/**
 * The object types of a composed supergraph with, for each field, the subgraphs that resolve it, as
 * its join__type and join__field directives say. The gateway reads it to know which fields a subgraph
 * that did not answer leaves null; `npm run compose` to check nullability against outages.
 */
export function supergraphObjects(supergraphSdl: string): Map<string, SupergraphObject> {
  const document = parse(supergraphSdl);
  const graphNames = new Map<string, string>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.ENUM_TYPE_DEFINITION || definition.name.value !== 'join__Graph') continue;
    for (const value of definition.values ?? []) {
      const graph = value.directives?.find((d) => d.name.value === 'join__graph');
      graphNames.set(value.name.value, (graph && argument(graph, 'name')) ?? value.name.value.toLowerCase());
    }
  }
  const nameOf = (graph: string) => graphNames.get(graph) ?? graph;
  const objects = new Map<string, SupergraphObject>();
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const name = definition.name.value;
    if (name.startsWith('join__') || name.startsWith('link__')) continue;
    const object = objects.get(name) ?? { name, subgraphs: new Set<string>(), fields: [] };
    for (const join of joins(definition.directives, 'join__type')) object.subgraphs.add(nameOf(join.graph!));
    for (const field of definition.fields ?? []) {
      const fieldJoins = joins(field.directives, 'join__field').filter((j) => j.graph);
      const resolving = fieldJoins.filter((j) => j.external !== 'true' && j.usedOverridden !== 'true');
      object.fields.push({
        name: field.name.value,
        type: field.type,
        // No join__field: every subgraph that has the type resolves it (ids, value types).
        subgraphs: fieldJoins.length ? new Set(resolving.map((j) => nameOf(j.graph!))) : object.subgraphs,
        provides: new Map(
          resolving.filter((j) => j.provides).map((j) => [nameOf(j.graph!), new Set(j.provides!.trim().split(/\s+/))]),
        ),
      });
    }
    objects.set(name, object);
  }
  return objects;
}

/** The type a field's value is of, through lists and non-null. */
export function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function joins(directives: readonly DirectiveNode[] | undefined, name: string): Record<string, string | undefined>[] {
  return (directives ?? [])
    .filter((d) => d.name.value === name)
    .map((d) => Object.fromEntries((d.arguments ?? []).map((a) => [a.name.value, argument(d, a.name.value)])));
}

function argument(directive: DirectiveNode, name: string): string | undefined {
  const value = directive.arguments?.find((a) => a.name.value === name)?.value;
  return value && (value.kind === Kind.ENUM || value.kind === Kind.STRING || value.kind === Kind.BOOLEAN)
    ? String(value.value)
    : undefined;
}
