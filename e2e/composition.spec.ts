import { readFileSync } from 'node:fs';
import { Kind, parse, type ObjectTypeDefinitionNode } from 'graphql';
import { composeSupergraph } from '@peerlink/launcher/composition';
import { describe, expect, it } from 'vitest';

/**
 * The gateway serves the committed schema/supergraph.graphql. This fails when a subgraph changed
 * without `npm run compose`, or when the subgraphs no longer compose.
 */
describe('the committed supergraph', () => {
  it('is exactly what composing the subgraphs produces today', async () => {
    const { subgraphSdls, supergraphSdl } = await composeSupergraph();
    for (const [name, sdl] of Object.entries(subgraphSdls)) {
      expect(readFileSync(`schema/subgraphs/${name}.graphql`, 'utf8'), `schema/subgraphs/${name}.graphql is stale: run npm run compose`).toBe(sdl);
    }
    expect(readFileSync('schema/supergraph.graphql', 'utf8'), 'schema/supergraph.graphql is stale: run npm run compose').toBe(supergraphSdl);
  });

  it('declares every subscription field as @live so the gateway can serve it', () => {
    // Parsed rather than read line by line: a field's arguments may span lines, with descriptions.
    const subscription = parse(readFileSync('schema/supergraph.graphql', 'utf8')).definitions.find(
      (d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Subscription',
    ) as ObjectTypeDefinitionNode | undefined;
    const fields = subscription?.fields ?? [];
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) expect(field.directives?.map((d) => d.name.value), field.name.value).toContain('live');
  });
});
