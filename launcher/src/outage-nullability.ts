import { supergraphObjects, namedType, type SupergraphObject } from '@peerlink/platform/graphql/supergraph-fields';
import { Kind, type TypeNode } from 'graphql';

const ROOTS = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * When a subgraph is down the gateway answers null for the fields it resolves, and GraphQL carries a
 * null up to the nearest nullable field. So that one subgraph's outage costs only its own fields, a
 * null must stop where the subgraph changes. This lists the fields of a supergraph where it would not:
 *  - a root field that is non-null (its subgraph down would null the whole answer);
 *  - a non-null field resolved by a subgraph that does not own its type (User.posts from social:
 *    social down would null the User that identity answered);
 *  - a non-null field whose object has a non-null field its own subgraph cannot resolve
 *    (Post.author: User! from social, while User.createdAt comes from identity).
 * Fields inside one subgraph's own types stay non-null: they fail together with their parent anyway.
 */
export function outageNullabilityProblems(supergraphSdl: string): string[] {
  const objects = supergraphObjects(supergraphSdl);
  const problems: string[] = [];
  for (const object of objects.values()) {
    const owners = ownersOf(object);
    for (const field of object.fields) {
      if (!nullsBubble(field.type)) continue;
      const where = `${object.name}.${field.name}`;
      if (ROOTS.has(object.name)) {
        problems.push(`${where} is a root field: make it nullable, or its subgraph being down nulls the whole answer`);
        continue;
      }
      if ([...owners].some((owner) => !field.subgraphs.has(owner))) {
        problems.push(
          `${where} is resolved by ${list(field.subgraphs)} on a type ${list(owners)} owns: make it nullable`,
        );
        continue;
      }
      const child = objects.get(namedType(field.type));
      for (const subgraph of child ? field.subgraphs : []) {
        // What the subgraph @provides along this field it answers itself (social: a post author's username).
        const provided = field.provides.get(subgraph);
        const foreign = child!.fields.find(
          (f) => nullsBubble(f.type) && !f.subgraphs.has(subgraph) && !provided?.has(f.name),
        );
        if (foreign) {
          problems.push(
            `${where} (from ${subgraph}) is non-null but ${child!.name}.${foreign.name} comes from ` +
              `${list(foreign.subgraphs)}: make it nullable`,
          );
          break;
        }
      }
    }
  }
  return problems;
}

/**
 * The owner of a type several subgraphs share: the one resolving most of its fields (identity for
 * User); a value type every subgraph resolves alike has them all as owners.
 */
function ownersOf(object: SupergraphObject): Set<string> {
  const counts = new Map<string, number>();
  for (const field of object.fields)
    for (const subgraph of field.subgraphs) counts.set(subgraph, (counts.get(subgraph) ?? 0) + 1);
  const most = Math.max(0, ...counts.values());
  return new Set([...counts].filter(([, count]) => count === most).map(([subgraph]) => subgraph));
}

/** A null in the value reaches the field itself: every level of its type is non-null. */
function nullsBubble(type: TypeNode): boolean {
  if (type.kind !== Kind.NON_NULL_TYPE) return false;
  return type.type.kind === Kind.LIST_TYPE ? nullsBubble(type.type.type) : true;
}

const list = (subgraphs: Iterable<string>) => [...subgraphs].join(' and ');
