import { composeServices } from '@apollo/composition';
import { printFederatedSdl } from '@peerlink/platform/graphql/federation';
import { parse } from 'graphql';
import { outageNullabilityProblems } from './outage-nullability.js';
import { subgraphs } from './subgraphs.js';

/**
 * Composes the supergraph from the subgraphs' type-graphql schemas. Routing URLs are the ports each
 * subgraph takes as its own process; a gateway started another way overrides them.
 */
export async function composeSupergraph(): Promise<{ subgraphSdls: Record<string, string>; supergraphSdl: string }> {
  const subgraphSdls: Record<string, string> = {};
  for (const { definition } of subgraphs)
    subgraphSdls[definition.name] = (await printFederatedSdl(definition)).trim() + '\n';
  const result = composeServices(
    subgraphs.map(({ definition, port }) => ({
      name: definition.name,
      url: `http://localhost:${port}/graphql`,
      typeDefs: parse(subgraphSdls[definition.name]!),
    })),
  );
  if (result.errors?.length || !result.supergraphSdl) {
    throw new Error(`Composition failed:\n${(result.errors ?? []).map((e) => `  - ${e.message}`).join('\n')}`);
  }
  // Refused rather than warned: a non-null field across subgraphs turns one outage into empty answers.
  const problems = outageNullabilityProblems(result.supergraphSdl);
  if (problems.length)
    throw new Error(
      `One subgraph down would wipe other subgraphs' data:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  return { subgraphSdls, supergraphSdl: result.supergraphSdl.trim() + '\n' };
}
