import { Kind, parse, valueFromASTUntyped, type ObjectTypeDefinitionNode, type ObjectTypeExtensionNode } from 'graphql';

/** A Subscription field the gateway serves, as declared by `@live` in the subgraph that owns it. */
export interface LiveField {
  field: string;
  subject: string;
  lookup: string;
  key: string;
  audience?: string;
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
      });
    }
  }
  return fields;
}

function isObjectType(node: { kind: string }): node is ObjectTypeDefinitionNode | ObjectTypeExtensionNode {
  return node.kind === Kind.OBJECT_TYPE_DEFINITION || node.kind === Kind.OBJECT_TYPE_EXTENSION;
}
