import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

/**
 * Plain Apollo Gateway, as its documentation sets it up: @apollo/gateway on Apollo Server's
 * standalone HTTP server, default data sources, nothing tuned.
 *
 *   node bench/federation/apollo-gateway.js SUPERGRAPH_FILE PORT
 */
const [supergraphPath, port] = process.argv.slice(2);
if (!supergraphPath || !port) {
  console.error('usage: node bench/federation/apollo-gateway.js SUPERGRAPH_FILE PORT');
  process.exit(2);
}
process.env.APOLLO_TELEMETRY_DISABLED = 'true';
const gateway = new ApolloGateway({ supergraphSdl: readFileSync(supergraphPath, 'utf8') });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: Number(port), host: '127.0.0.1' } });
console.log(`apollo gateway ready at ${url}`);
process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
