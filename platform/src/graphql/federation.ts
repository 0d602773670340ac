import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type NonEmptyArray } from 'type-graphql';
import type { SubgraphMetrics } from '../metrics.js';
import { instrumentResolvers } from './instrumentation.js';
import { stoppedWhenAbandoned } from './request-deadline.js';
import {
  LIVE_DIRECTIVE_SDL,
  LIVE_SPEC_URL,
  VIEWER_INDEPENDENT,
  VIEWER_INDEPENDENT_DIRECTIVE_SDL,
  servedByGateway,
} from './live.js';

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
export async function buildFederatedSchema(
  definition: SchemaDefinition,
  metrics?: SubgraphMetrics,
): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: definition.resolvers,
    orphanedTypes: definition.orphanedTypes,
    pubSub: servedByGateway,
    validate: false,
    skipCheck: true,
  });
  const sdl = printSchemaWithDirectives(schema);
  // PeerLink's directives are linked and composed only by the subgraphs that apply them, so each
  // subgraph's SDL declares just what it uses.
  const usesLive = sdl.includes('@live(');
  const usesViewerIndependent = sdl.includes(VIEWER_INDEPENDENT);
  const imports = [...(usesLive ? ['"@live"'] : []), ...(usesViewerIndependent ? [`"${VIEWER_INDEPENDENT}"`] : [])];
  const typeDefs = parse(`
    extend schema
      @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires",
        "@provides", "@composeDirective"])
      ${imports.length ? `@link(url: "${LIVE_SPEC_URL}", import: [${imports.join(', ')}])` : ''}
      ${usesLive ? '@composeDirective(name: "@live")' : ''}
      ${usesViewerIndependent ? `@composeDirective(name: "${VIEWER_INDEPENDENT}")` : ''}
    ${usesLive ? LIVE_DIRECTIVE_SDL : ''}
    ${usesViewerIndependent ? VIEWER_INDEPENDENT_DIRECTIVE_SDL : ''}
    ${sdl}
  `);
  const resolvers = createResolversMap(schema) as Record<string, Record<string, unknown>>;
  for (const [typeName, resolveReference] of Object.entries(definition.references ?? {})) {
    resolvers[typeName] = { ...resolvers[typeName], __resolveReference: resolveReference };
  }
  stoppedWhenAbandoned(resolvers, (type, field) => {
    const found = schema.getType(type);
    return (
      !!found &&
      'getFields' in found &&
      ((found.getFields() as Record<string, { args?: unknown[] }>)[field]?.args?.length ?? 0) > 0
    );
  });
  if (metrics) instrumentResolvers(resolvers, metrics);
  return buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
}

export async function printFederatedSdl(definition: SchemaDefinition): Promise<string> {
  return printSubgraphSchema(await buildFederatedSchema(definition));
}
