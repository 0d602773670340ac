import { GraphQLError } from 'graphql';

/**
 * graphql-js's "Did you mean …?" hints name fields, arguments, types and enum values the client
 * did not ask for. With introspection off they would reveal the schema a guess at a time.
 */
export const withoutSuggestions = (message: string) => message.replace(/ ?Did you mean .+?\?$/, '');

/** The same errors with their hints removed (a GraphQLError's message is read-only in spirit: copy it). */
export function errorsWithoutSuggestions(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.map(
    (e) => new GraphQLError(withoutSuggestions(e.message), { nodes: e.nodes, extensions: e.extensions }),
  );
}
