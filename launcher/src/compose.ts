import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeSupergraph } from './composition.js';

/** `npm run compose`: writes each subgraph's SDL and the composed supergraph under schema/. */
const root = join(import.meta.dirname, '..', '..', 'schema');
const { subgraphSdls, supergraphSdl } = await composeSupergraph();
mkdirSync(join(root, 'subgraphs'), { recursive: true });
for (const [name, sdl] of Object.entries(subgraphSdls)) writeFileSync(join(root, 'subgraphs', `${name}.graphql`), sdl);
writeFileSync(join(root, 'supergraph.graphql'), supergraphSdl);
console.log(`composed ${Object.keys(subgraphSdls).length} subgraphs into schema/supergraph.graphql`);
