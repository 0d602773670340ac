import {
  Kind,
  TypeInfo,
  getNamedType,
  parse,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
  type ObjectTypeExtensionNode,
} from 'graphql';

/** A Subscription field the gateway serves, as declared by `@live` in the subgraph that owns it. */
export interface LiveField {
  field: string;
  subject: string;
  lookup: string;
  key: string;
  audience?: string;
  /** Everyone the event's audience names may see it: a viewer-independent selection is resolved once. */
  audienceMaySee?: true;
  /** Queries that read the state as it is now, e.g. `order(id: $orderId)`, `$orderId` being a subscription argument. */
  current?: FieldNode[];
  /** The payload field that may hold the answer itself (see inline-answers.ts); only with audienceMaySee. */
  inline?: string;
}

/** Reads every `@live` Subscription field from the composed supergraph SDL. */
export function readLiveFields(supergraphSdl: string): Map<string, LiveField> {
  const fields = new Map<string, LiveField>();
  for (const definition of parse(supergraphSdl).definitions) {
    if (!isObjectType(definition) || definition.name.value !== 'Subscription') continue;
    for (const field of definition.fields ?? []) {
      const live = field.directives?.find((d) => d.name.value === 'live');
      if (!live) continue;
      const args = Object.fromEntries((live.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
      fields.set(field.name.value, {
        field: field.name.value,
        subject: String(args.subject),
        lookup: String(args.lookup),
        key: args.key ? String(args.key) : 'id',
        ...(args.audience ? { audience: String(args.audience) } : {}),
        ...(args.audience && args.audienceMaySee === true ? { audienceMaySee: true as const } : {}),
        ...(Array.isArray(args.current) && args.current.length
          ? { current: args.current.map((q) => currentQuery(field.name.value, String(q))) }
          : {}),
        ...(args.audience && args.audienceMaySee === true && args.inline ? { inline: String(args.inline) } : {}),
      });
    }
  }
  return fields;
}

/** One `current` entry as a field node; a malformed one is the subgraph's bug, reported when the gateway loads it. */
function currentQuery(field: string, source: string): FieldNode {
  const operation = parse(`{ ${source} }`).definitions[0];
  const selections = operation?.kind === Kind.OPERATION_DEFINITION ? operation.selectionSet.selections : [];
  if (selections.length !== 1 || selections[0]!.kind !== Kind.FIELD || selections[0]!.selectionSet) {
    throw new Error(`@live(current:) on ${field}: "${source}" is not one query field with arguments`);
  }
  return selections[0]!;
}

/** Where the subgraphs put `@viewerIndependent`: whole types, and `Type.field` coordinates. */
export interface ViewerIndependentMarks {
  types: Set<string>;
  fields: Set<string>;
}

export function readViewerIndependentMarks(supergraphSdl: string): ViewerIndependentMarks {
  const marks: ViewerIndependentMarks = { types: new Set(), fields: new Set() };
  const marked = (node: { directives?: readonly { name: { value: string } }[] }) =>
    node.directives?.some((d) => d.name.value === 'viewerIndependent');
  for (const definition of parse(supergraphSdl).definitions) {
    if (!isObjectType(definition)) continue;
    if (marked(definition)) marks.types.add(definition.name.value);
    for (const field of definition.fields ?? [])
      if (marked(field)) marks.fields.add(`${definition.name.value}.${field.name.value}`);
  }
  return marks;
}

/**
 * True when every field a lookup query selects below its root is the same for every viewer allowed
 * to see it: marked `@viewerIndependent` (on the field or its type), an `id`, or `__typename`. The
 * root field is the lookup itself, which the event's audience authorizes. Any other field makes the
 * answer false: unmarked means "ask per viewer".
 */
export function selectsOnlyViewerIndependent(
  schema: GraphQLSchema,
  lookupQuery: DocumentNode,
  marks: ViewerIndependentMarks,
): boolean {
  const typeInfo = new TypeInfo(schema);
  const operation = lookupQuery.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  const root = operation?.selectionSet.selections[0];
  let independent = true;
  visit(
    lookupQuery,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        if (node === root || node.name.value === '__typename') return;
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        const isId = node.name.value === 'id' && !!field && getNamedType(field.type).name === 'ID';
        if (
          !parent ||
          !field ||
          (!isId && !marks.types.has(parent.name) && !marks.fields.has(`${parent.name}.${node.name.value}`))
        )
          independent = false;
      },
    }),
  );
  return independent;
}

function isObjectType(node: { kind: string }): node is ObjectTypeDefinitionNode | ObjectTypeExtensionNode {
  return node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.OBJECT_TYPE_EXTENSION;
}
