import { readFileSync } from 'node:fs';
import { Kind, parse, type ObjectTypeDefinitionNode } from 'graphql';
import { composeSupergraph } from '@peerlink/launcher/composition';
import { outageNullabilityProblems } from '@peerlink/launcher/outage-nullability';
import { describe, expect, it } from 'vitest';

/**
 * The gateway serves the committed schema/supergraph.graphql. This fails when a subgraph changed
 * without `npm run compose`, or when the subgraphs no longer compose.
 */
describe('the committed supergraph', () => {
  it('is exactly what composing the subgraphs produces today', async () => {
    const { subgraphSdls, supergraphSdl } = await composeSupergraph();
    for (const [name, sdl] of Object.entries(subgraphSdls)) {
      expect(
        readFileSync(`schema/subgraphs/${name}.graphql`, 'utf8'),
        `schema/subgraphs/${name}.graphql is stale: run npm run compose`,
      ).toBe(sdl);
    }
    expect(
      readFileSync('schema/supergraph.graphql', 'utf8'),
      'schema/supergraph.graphql is stale: run npm run compose',
    ).toBe(supergraphSdl);
  });

  it('declares every subscription field as @live so the gateway can serve it', () => {
    // Parsed rather than read line by line: a field's arguments may span lines, with descriptions.
    const subscription = parse(readFileSync('schema/supergraph.graphql', 'utf8')).definitions.find(
      (d) => d.kind === Kind.OBJECT_TYPE_DEFINITION && d.name.value === 'Subscription',
    ) as ObjectTypeDefinitionNode | undefined;
    const fields = subscription?.fields ?? [];
    expect(fields.length).toBeGreaterThan(0);
    for (const field of fields)
      expect(
        field.directives?.map((d) => d.name.value),
        field.name.value,
      ).toContain('live');
  });
});

/** Issue 13 defect 7: with notifications down, `{ me { id } unreadNotificationCount }` answered `data: null`. */
describe('the outage nullability check run by compose', () => {
  const committed = readFileSync('schema/supergraph.graphql', 'utf8');

  it('passes the committed supergraph', () => {
    expect(outageNullabilityProblems(committed)).toEqual([]);
  });

  it('refuses a non-null root, a non-null field added to another subgraph’s type, and a non-null link to one', () => {
    const reverted = committed
      .replace(
        'unreadNotificationCount: Int @join__field(graph: NOTIFICATIONS)',
        'unreadNotificationCount: Int! @join__field(graph: NOTIFICATIONS)',
      )
      .replace(
        'posts(after: String, first: Int): PostConnection @join__field(graph: SOCIAL)',
        'posts(after: String, first: Int): PostConnection! @join__field(graph: SOCIAL)',
      )
      .replace(
        'author: User @join__field(graph: SOCIAL, provides: "username displayName")',
        'author: User! @join__field(graph: SOCIAL, provides: "username displayName")',
      );
    expect(outageNullabilityProblems(reverted)).toEqual([
      // Sign-up's answer carries the User identity made; a non-null posts on it would null that too.
      expect.stringMatching(/^AuthPayload\.user \(from identity\) is non-null but User\.posts comes from social/),
      expect.stringMatching(/^Post\.author \(from social\) is non-null but User\.\w+ comes from identity/),
      expect.stringMatching(/^Query\.unreadNotificationCount is a root field/),
      expect.stringMatching(/^User\.posts is resolved by social on a type identity owns/),
    ]);
  });

  it('leaves a subgraph’s own fields on its own types non-null', () => {
    // Post.body and User.username: the subgraph that answers the object answers the field too.
    expect(committed).toMatch(/^\s*body: String!/m);
    expect(committed).toMatch(/^\s*username: String! @join__field\(graph: IDENTITY\)/m);
  });
});
