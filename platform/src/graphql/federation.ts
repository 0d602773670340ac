import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type NonEmptyArray } from 'type-graphql';
import { LIVE_DIRECTIVE_SDL, LIVE_SPEC_URL, servedByGateway } from './live.js';

export interface SchemaDefinition {
  resolvers: NonEmptyArray<Function>;
  orphanedTypes?: Function[];
  /** `__resolveReference` per entity type name. */
  references?: Record<string, (reference: never, context: never) => unknown>;
}

/**
 * Builds a Federation 2 subgraph schema from type-graphql classes: type-graphql prints the SDL with
 * its directives, @apollo/subgraph adds the federation fields and resolvers.
 */
export async function buildFederatedSchema(definition: SchemaDefinition): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: definition.resolvers,
    orphanedTypes: definition.orphanedTypes,
    pubSub: servedByGateway,
    validate: false,
    skipCheck: true,
  });
  const sdl = printSchemaWithDirectives(schema);
  const usesLive = sdl.includes('@live(');
  const typeDefs = parse(`
    extend schema
      @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@composeDirective"])
      ${usesLive ? `@link(url: "${LIVE_SPEC_URL}", import: ["@live"]) @composeDirective(name: "@live")` : ''}
    ${usesLive ? LIVE_DIRECTIVE_SDL : ''}
    ${sdl}
  `);
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [typeName, resolveReference] of Object.entries(definition.references ?? {})) {
    resolvers[typeName] = { ...resolvers[typeName], __resolveReference: resolveReference };
  }
  return buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
}

export async function printFederatedSdl(definition: SchemaDefinition): Promise<string> {
  return printSubgraphSchema(await buildFederatedSchema(definition));
}
