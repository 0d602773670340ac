import { buildSchema, executeSync, parse, printSchema, type DocumentNode, type FormattedExecutionResult, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { DomainEvent } from '@peerlink/platform/events/event-bus';
import { selectsOnlyViewerIndependent, type LiveField, type ViewerIndependentMarks } from './live-fields.js';

/** Thrown while answering from a payload that lacks what was asked: the event then takes the lookup. */
const NOT_INLINE = new Error('not in the payload');

/**
 * Answers for `@live(inline:)` fields, read from the event's payload instead of a lookup: a typing
 * signal already says who typed where, so the subgraph need not be asked. One subscription's lookup
 * query is run against the payload by graphql-js itself (aliases, fragments, `@skip`, `__typename`
 * behave as in any query), with a resolver that only reads what the payload holds.
 *
 * Only selections whose every field is `id`, `__typename` or `@viewerIndependent` qualify: those are
 * the same for every recipient, and the audience was authorized by the subgraph that sent the event.
 * Anything else, a field the payload lacks, a field with arguments, or an event with no inline answer
 * returns null, and the caller looks the event up as usual.
 */
export class InlineAnswers {
  private constructor(
    private readonly schema: GraphQLSchema,
    private readonly document: DocumentNode,
    private readonly field: string,
  ) {}

  /** Null when this subscription can never be answered inline. */
  static for(schema: GraphQLSchema, lookupQuery: string, live: LiveField, marks: ViewerIndependentMarks): InlineAnswers | null {
    if (!live.inline) return null;
    const document = parse(lookupQuery);
    return selectsOnlyViewerIndependent(schema, document, marks) ? new InlineAnswers(withoutResolvers(schema), document, live.inline) : null;
  }

  /** Whether the event holds an answer: then it is answered as it stands, not as the state is by the time it is read. */
  carriedBy(event: DomainEvent): boolean {
    return this.inlineOf(event) !== null;
  }

  answer(event: DomainEvent, variables: Record<string, unknown>): FormattedExecutionResult | null {
    const inline = this.inlineOf(event);
    if (!inline) return null;
    const root = this.schema.getQueryType();
    const resolver: GraphQLFieldResolver<unknown, unknown> = (source, _args, _context, info) => {
      // The root field is the lookup: the payload stands in for what it would return.
      if (info.parentType === root) return inline;
      // A field's arguments could change its value, and the payload holds one value per field.
      if (info.fieldNodes.some((node) => node.arguments?.length)) throw NOT_INLINE;
      if (!source || typeof source !== 'object' || !Object.hasOwn(source, info.fieldName)) throw NOT_INLINE;
      return (source as Record<string, unknown>)[info.fieldName];
    };
    const result = executeSync({ schema: this.schema, document: this.document, variableValues: variables, fieldResolver: resolver });
    // Any error (missing field, a null where the schema forbids one, an abstract type without __typename): look it up.
    return result.errors?.length || !result.data ? null : { data: result.data };
  }

  private inlineOf(event: DomainEvent): object | null {
    const inline = (event.payload as Record<string, unknown>)[this.field];
    return inline && typeof inline === 'object' ? inline : null;
  }
}

const bare = new WeakMap<GraphQLSchema, GraphQLSchema>();

/**
 * The schema with no resolvers of its own, once per schema: Apollo Server wraps every field's
 * resolver in place for its plugins, and those wrappers would read the payload their own way.
 */
function withoutResolvers(schema: GraphQLSchema): GraphQLSchema {
  let copy = bare.get(schema);
  if (!copy) bare.set(schema, (copy = buildSchema(printSchema(schema), { assumeValid: true })));
  return copy;
}
