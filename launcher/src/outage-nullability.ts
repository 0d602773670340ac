import {
  Kind,
  parse,
  type ValueNode,
  type DirectiveNode,
  type FieldDefinitionNode,
  type ObjectTypeDefinitionNode,
  type TypeNode,
} from 'graphql';

/**
 * When a subgraph is down the gateway answers null for the fields it resolves, and GraphQL carries a
 * null up to the nearest nullable field. So that one subgraph's outage costs only its own fields, a
 * null must stop where the subgraph changes. This lists the fields of a supergraph where it would not:
 *  - a root field that is non-null (its subgraph down would null the whole answer);
 *  - a non-null field resolved by a subgraph that does not own its type (User.posts from social:
 *    social down would null the User that identity answered);
 *  - a non-null field whose object has a non-null field its own subgraph cannot resolve
 *    (Post.author: User! from social, while User.username comes from identity).
 * Fields inside one subgraph's own types stay non-null: they fail together with their parent anyway.
 */
export function outageNullabilityProblems(supergraphSdl: string): string[] {
  const objects = new Map<string, ObjectTypeDefinitionNode>();
  for (const definition of parse(supergraphSdl).definitions) {
    if (definition.kind !== Kind.OBJECT_TYPE_DEFINITION && definition.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const existing = objects.get(definition.name.value);
    objects.set(definition.name.value, {
      kind: Kind.OBJECT_TYPE_DEFINITION,
      name: definition.name,
      directives: [...(existing?.directives ?? []), ...(definition.directives ?? [])],
      fields: [...(existing?.fields ?? []), ...(definition.fields ?? [])],
    });
  }
  const roots = new Set(['Query', 'Mutation', 'Subscription']);
  const graphsOf = (type: ObjectTypeDefinitionNode) => directiveArguments(type.directives, 'join__type').map((a) => a.graph!);
  const resolvers = (type: ObjectTypeDefinitionNode, field: FieldDefinitionNode): Set<string> => {
    const joins = directiveArguments(field.directives, 'join__field');
    if (!joins.length || joins.every((j) => !j.graph)) return new Set(graphsOf(type));
    return new Set(joins.filter((j) => j.graph && j.external !== 'true' && j.usedOverridden !== 'true').map((j) => j.graph!));
  };
  // The owner of a type shared by several subgraphs: the one resolving most of its fields (identity
  // for User); a value type every subgraph resolves alike has them all as owners.
  const owners = (type: ObjectTypeDefinitionNode): Set<string> => {
    const counts = new Map<string, number>();
    for (const field of type.fields ?? []) for (const graph of resolvers(type, field)) counts.set(graph, (counts.get(graph) ?? 0) + 1);
    const most = Math.max(0, ...counts.values());
    return new Set([...counts].filter(([, count]) => count === most).map(([graph]) => graph));
  };

  const problems: string[] = [];
  for (const type of objects.values()) {
    const typeName = type.name.value;
    if (typeName.startsWith('join__') || typeName.startsWith('link__')) continue;
    const typeOwners = owners(type);
    for (const field of type.fields ?? []) {
      if (!nullsBubble(field.type)) continue;
      const where = `${typeName}.${field.name.value}`;
      const fieldResolvers = resolvers(type, field);
      if (roots.has(typeName)) {
        problems.push(`${where} is a root field: make it nullable, or its subgraph being down nulls the whole answer`);
        continue;
      }
      const missing = [...typeOwners].filter((graph) => !fieldResolvers.has(graph));
      if (missing.length) {
        problems.push(`${where} is resolved by ${list(fieldResolvers)} on a type ${list(typeOwners)} owns: make it nullable`);
        continue;
      }
      const child = objects.get(namedType(field.type));
      if (!child) continue;
      for (const graph of fieldResolvers) {
        // Fields the subgraph @provides along this field it answers itself (social: a post author's username).
        const join = directiveArguments(field.directives, 'join__field').find((j) => j.graph === graph);
        const provided = new Set(join?.provides?.split(/\s+/) ?? []);
        const foreign = (child.fields ?? []).find((f) => nullsBubble(f.type) && !resolvers(child, f).has(graph) && !provided.has(f.name.value));
        if (foreign) {
          problems.push(`${where} (from ${graph.toLowerCase()}) is non-null but ${child.name.value}.${foreign.name.value} comes from ${list(resolvers(child, foreign))}: make it nullable`);
          break;
        }
      }
    }
  }
  return problems;
}

/** A null in the value reaches the field itself: every level of its type is non-null. */
function nullsBubble(type: TypeNode): boolean {
  if (type.kind !== Kind.NON_NULL_TYPE) return false;
  return type.type.kind === Kind.LIST_TYPE ? nullsBubble(type.type.type) : true;
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

const list = (graphs: Iterable<string>) => [...graphs].map((g) => g.toLowerCase()).join(' and ');

function directiveArguments(directives: readonly DirectiveNode[] | undefined, name: string): Record<string, string | undefined>[] {
  return (directives ?? [])
    .filter((d) => d.name.value === name)
    .map((d) => Object.fromEntries((d.arguments ?? []).map((a) => [a.name.value, valueText(a.value)])));
}

function valueText(value: ValueNode): string | undefined {
  if (value.kind === Kind.ENUM || value.kind === Kind.STRING) return value.value;
  if (value.kind === Kind.BOOLEAN) return String(value.value);
  return undefined;
}
