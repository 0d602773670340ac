import {
  Kind,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  parse,
  type DocumentNode,
  type FieldNode,
  type FormattedExecutionResult,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { collectSubfields } from 'graphql/execution/collectFields.js';
import type { DomainEvent } from '@peerlink/platform/events/event-bus';
import { selectsOnlyViewerIndependent, type LiveField, type ViewerIndependentMarks } from './live-fields.js';

/** Thrown while answering from a payload that lacks what was asked: the event then takes the lookup. */
const NOT_INLINE = new Error('not in the payload');

type Variables = Record<string, unknown>;

/**
 * Answers for `@live(inline:)` fields, read from the event's payload instead of a lookup: a typing
 * signal already says who typed where, so the subgraph need not be asked. The subscription's lookup
 * query is completed against the payload as graphql-js would complete a resolver's result (fields
 * collected through fragments and `@skip`/`@include`, aliases, `__typename`, lists, leaf values
 * serialized by their type), reading only what the payload holds.
 *
 * Only selections whose every field is `id`, `__typename` or `@viewerIndependent` qualify: those are
 * the same for every recipient, and the subgraph that sent the event named its audience. A field
 * the payload lacks, a field with arguments (the payload holds one value per field), a value its
 * type refuses, or an event with no inline answer returns null, and the caller looks it up as usual.
 */
export class InlineAnswers {
  private constructor(
    private readonly schema: GraphQLSchema,
    private readonly root: FieldNode,
    private readonly fragments: Record<string, FragmentDefinitionNode>,
    private readonly field: string,
  ) {}

  /** Null when this subscription can never be answered inline. */
  static for(
    schema: GraphQLSchema,
    lookupQuery: string,
    live: LiveField,
    marks: ViewerIndependentMarks,
  ): InlineAnswers | null {
    if (!live.inline) return null;
    const document = parse(lookupQuery);
    if (!selectsOnlyViewerIndependent(schema, document, marks)) return null;
    return new InlineAnswers(schema, rootField(document), fragmentsOf(document), live.inline);
  }

  /**
   * Whether the event holds an answer: then it is answered as it stands, not as the state is by the time it is read.
   */
  carriedBy(event: DomainEvent): boolean {
    return this.inlineOf(event) !== null;
  }

  answer(event: DomainEvent, variables: Variables): FormattedExecutionResult | null {
    const inline = this.inlineOf(event);
    const lookup = this.schema.getQueryType()?.getFields()[this.root.name.value];
    if (!inline || !lookup) return null;
    try {
      return {
        data: {
          [this.root.alias?.value ?? this.root.name.value]: this.complete(lookup.type, inline, [this.root], variables),
        },
      };
    } catch (error) {
      if (error === NOT_INLINE) return null;
      throw error;
    }
  }

  private complete(
    type: GraphQLOutputType,
    value: unknown,
    nodes: readonly FieldNode[],
    variables: Variables,
  ): unknown {
    if (isNonNullType(type)) {
      if (value == null) throw NOT_INLINE;
      return this.complete(type.ofType, value, nodes, variables);
    }
    if (value == null) return null;
    if (isListType(type)) {
      if (!Array.isArray(value)) throw NOT_INLINE;
      return value.map((item) => this.complete(type.ofType, item, nodes, variables));
    }
    if (isLeafType(type)) {
      try {
        return type.serialize(value);
      } catch {
        throw NOT_INLINE;
      }
    }
    if (typeof value !== 'object') throw NOT_INLINE;
    const source = value as Record<string, unknown>;
    const runtime = isAbstractType(type) ? this.runtimeType(type, source) : type;
    const out: Record<string, unknown> = {};
    for (const [key, fieldNodes] of collectSubfields(this.schema, this.fragments, variables, runtime, nodes)) {
      const name = fieldNodes[0]!.name.value;
      if (name === '__typename') {
        out[key] = runtime.name;
        continue;
      }
      const field = runtime.getFields()[name];
      if (!field || fieldNodes.some((node) => node.arguments?.length) || !Object.hasOwn(source, name)) throw NOT_INLINE;
      out[key] = this.complete(field.type, source[name], fieldNodes, variables);
    }
    return out;
  }

  /** An interface's or union's concrete type is known only from the payload's own `__typename`. */
  private runtimeType(type: GraphQLAbstractType, source: Record<string, unknown>): GraphQLObjectType {
    const named = typeof source.__typename === 'string' ? this.schema.getType(source.__typename) : undefined;
    if (!isObjectType(named) || !this.schema.isSubType(type, named)) throw NOT_INLINE;
    return named;
  }

  private inlineOf(event: DomainEvent): object | null {
    const inline = (event.payload as Record<string, unknown>)[this.field];
    return inline && typeof inline === 'object' ? inline : null;
  }
}

function rootField(document: DocumentNode): FieldNode {
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  return operation!.selectionSet.selections[0] as FieldNode;
}

function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  return Object.fromEntries(
    document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
}
