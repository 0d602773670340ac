import { readFileSync } from 'node:fs';
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
    const supergraph = readFileSync('schema/supergraph.graphql', 'utf8');
    const subscription = /type Subscription[^{]*\{([^}]*)\}/.exec(supergraph)?.[1] ?? '';
    const fields = subscription.split('\n').filter((line) => /^\s+\w+[(:]/.test(line));
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields) expect(field).toContain('@live(');
  });
});
