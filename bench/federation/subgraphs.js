import { createServer } from 'node:http';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { execute, parse } from 'graphql';

/**
 * The public four-subgraph federation workload that gateway benchmarks share (accounts, inventory,
 * products, reviews), with its data: six users, nine products, eleven reviews. The data is fixed,
 * so the deep query's answer is too, whichever gateway asks.
 *
 * One change to the schemas: a `salt` argument, ignored, on one field each subgraph fetch of the
 * benchmark's queries selects. The bench puts a new value in every request, so every subgraph
 * call differs from every other and no gateway can merge calls of concurrent requests.
 */

const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key", "@external", ' +
  '"@provides", "@requires", "@shareable"])';

const USERS = [
  ['1', 'Uri Goldshtein', 'urigo'],
  ['2', 'Dotan Simha', 'dotansimha'],
  ['3', 'Kamil Kisiela', 'kamilkisiela'],
  ['4', 'Arda Tanrikulu', 'ardatan'],
  ['5', 'Gil Gardosh', 'gilgardosh'],
  ['6', 'Laurin Quast', 'laurin'],
].map(([id, name, username]) => ({ id, name, username, birthday: 1234567890 }));

const PRODUCTS = [
  ['1', 'Table', 899, 100, true],
  ['2', 'Couch', 1299, 1000, false],
  ['3', 'Glass', 15, 20, false],
  ['4', 'Chair', 499, 100, false],
  ['5', 'TV', 1299, 1000, true],
  ['6', 'Lamp', 6999, 300, true],
  ['7', 'Grill', 3999, 2000, true],
  ['8', 'Fridge', 100000, 6000, false],
  ['9', 'Sofa', 9999, 800, true],
].map(([upc, name, price, weight, inStock]) => ({ upc, name, price, weight, inStock }));

const LOREM =
  'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et ' +
  'dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ' +
  'ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu ' +
  'fugiat nulla pariatur. Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt ' +
  'mollit anim id est laborum.';
const SED_UT =
  'Sed ut perspiciatis unde omnis iste natus error sit voluptatem accusantium doloremque laudantium, totam ' +
  'rem aperiam, eaque ipsa quae ab illo inventore veritatis et quasi architecto beatae vitae dicta sunt ' +
  'explicabo. Nemo enim ipsam voluptatem quia voluptas sit aspernatur aut odit aut fugi';
const SED_QUIA =
  'sed quia consequuntur magni dolores eos qui ratione voluptatem sequi nesciunt. Neque porro quisquam est, ' +
  'qui dolorem ipsum quia dolor sit amet, consectetur, adipisci velit, sed quia non numquam eius modi ' +
  'tempora incidunt ut labore et dolore magnam aliquam quaerat voluptatem.';
const UT_ENIM =
  'Ut enim ad minima veniam, quis nostrum exercitationem ullam corporis suscipit laboriosam, nisi ut aliquid ' +
  'ex ea commodi consequatur? Quis autem';
const AT_VERO =
  'At vero eos et accusamus et iusto odio dignissimos ducimus qui blanditiis praesentium voluptatum deleniti ' +
  'atque corrupti quos dolores et quas molestias excepturi sint occaecati cupiditate non provident, ' +
  'similique sunt in culpa qui officia deserunt mollitia animi, id est laborum et dolorum fuga. Et harum ' +
  'quidem rerum facilis est et expedita distinctio. Nam libero tempore, cum soluta nobis est eligendi optio ' +
  'cumque nihil impedit quo minus id quod maxime placeat facere possimus, omnis voluptas assumenda est, ' +
  'omnis dolor repellendus. Temporibus autem quibusdam et aut officiis debitis aut rerum necessitatibus ' +
  'saepe eveniet ut et voluptates repudiandae sint et molestiae non recusandae. Itaque earum rerum hic ' +
  'tenetur a sapiente delectus, ut aut reiciendis voluptatibus maiores alias consequatur aut perferendis ' +
  'doloribus asperiores repellat.';

const REVIEWS = [
  [LOREM, '1'],
  [SED_UT, '1'],
  [SED_QUIA, '1'],
  [UT_ENIM, '1'],
  [LOREM, '2'],
  [SED_UT, '2'],
  [SED_QUIA, '2'],
  [UT_ENIM, '2'],
  [UT_ENIM, '3'],
  [UT_ENIM, '4'],
  [AT_VERO, '4'],
].map(([body, upc], index) => ({ id: String(index + 1), body, upc }));

/** As in the public workload: every review's author is the first user, whose reviews are the first two. */
const AUTHOR_REVIEWS = REVIEWS.slice(0, 2);

export const SUBGRAPHS = {
  accounts: {
    typeDefs: `${LINK}
      type Query {
        me: User
        user(id: ID!): User
        users(salt: String): [User]
      }
      type User @key(fields: "id") {
        id: ID!
        name(salt: String): String
        username: String @shareable
        birthday: Int
      }`,
    resolvers: {
      Query: {
        me: () => USERS[0],
        user: (_, { id }) => USERS.find((user) => user.id === id),
        users: () => USERS,
      },
      User: { __resolveReference: ({ id }) => USERS.find((user) => user.id === id) },
    },
  },
  inventory: {
    typeDefs: `${LINK}
      type Product @key(fields: "upc") {
        upc: String!
        weight: Int @external
        price: Int @external
        inStock(salt: String): Boolean
        shippingEstimate(salt: String): Int @requires(fields: "price weight")
      }`,
    resolvers: {
      Product: {
        __resolveReference: (reference) => ({
          ...reference,
          inStock: PRODUCTS.find((product) => product.upc === reference.upc)?.inStock,
        }),
        // Free above 1,000; half the weight otherwise.
        shippingEstimate: ({ price, weight }) => (price > 1000 ? 0 : Math.floor(weight / 2)),
      },
    },
  },
  products: {
    typeDefs: `${LINK}
      type Query {
        topProducts(first: Int = 5, salt: String): [Product]
      }
      type Product @key(fields: "upc") {
        upc: String!
        name(salt: String): String
        price: Int
        weight: Int
      }`,
    resolvers: {
      Query: { topProducts: (_, { first }) => PRODUCTS.slice(0, first) },
      Product: { __resolveReference: ({ upc }) => PRODUCTS.find((product) => product.upc === upc) },
    },
  },
  reviews: {
    typeDefs: `${LINK}
      type Review @key(fields: "id") {
        id: ID!
        body: String
        author: User @provides(fields: "username")
        product: Product
      }
      type User @key(fields: "id") {
        id: ID!
        username: String @external
        reviews(salt: String): [Review]
      }
      type Product @key(fields: "upc") {
        upc: String!
        reviews(salt: String): [Review]
      }`,
    resolvers: {
      Review: {
        __resolveReference: ({ id }) => REVIEWS.find((review) => review.id === id),
        author: () => ({ id: '1', username: 'urigo' }),
        product: ({ upc }) => ({ upc }),
      },
      User: { reviews: () => AUTHOR_REVIEWS },
      Product: { reviews: ({ upc }) => REVIEWS.filter((review) => review.upc === upc) },
    },
  },
};

/** The supergraph SDL of the four, composed as `rover supergraph compose` would. */
export function composeSupergraph(urls) {
  const result = composeServices(
    Object.entries(SUBGRAPHS).map(([name, { typeDefs }]) => ({ name, url: urls[name], typeDefs: parse(typeDefs) })),
  );
  if (result.errors?.length) throw new Error(`composition failed: ${result.errors.map((e) => e.message).join('; ')}`);
  return result.supergraphSdl;
}

/**
 * Serves each subgraph on its own port, as plain node:http, and counts the calls each gets (GET
 * /stats), with how many carried a salt. An answer depends only on the query and the variables
 * other than the salt, so it is executed once and then served from memory: the subgraphs stay
 * cheap, like the compiled ones other benchmarks use, and the gateways get the CPU.
 */
export async function startSubgraphs(host = '127.0.0.1') {
  const stats = { calls: {}, unsalted: {} };
  const servers = [];
  const urls = {};
  for (const [name, { typeDefs, resolvers }] of Object.entries(SUBGRAPHS)) {
    const schema = buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers });
    const answers = new Map();
    stats.calls[name] = 0;
    stats.unsalted[name] = 0;
    const server = createServer((req, res) => {
      if (req.method === 'GET' && req.url === '/stats') return void reply(res, 200, JSON.stringify(stats));
      if (req.method !== 'POST') return void reply(res, 405, '{"errors":[{"message":"POST only"}]}');
      const chunks = [];
      req.on('data', (chunk) => chunks.push(chunk));
      req.on('end', async () => {
        try {
          const { query, variables, operationName } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          stats.calls[name]++;
          // A gateway that batches fetches into one call renames their variables (`_v0_salt`).
          const rest = {};
          let salted = false;
          for (const [variable, value] of Object.entries(variables ?? {})) {
            if (/(^|_)salt$/.test(variable)) salted = true;
            else rest[variable] = value;
          }
          if (!salted) stats.unsalted[name]++;
          const key = `${operationName ?? ''}\n${query}\n${JSON.stringify(rest)}`;
          let answer = answers.get(key);
          if (answer === undefined) {
            answer = JSON.stringify(
              await execute({ schema, document: parse(query), variableValues: variables, operationName }),
            );
            if (answers.size < 10_000) answers.set(key, answer);
          }
          reply(res, 200, answer);
        } catch (error) {
          reply(res, 400, JSON.stringify({ errors: [{ message: error.message }] }));
        }
      });
    });
    // Longer than any gateway's idle keep-alive: a subgraph closing a socket the gateway is about to
    // reuse fails that gateway's request ("socket hang up"), which is no fault of the gateway.
    server.keepAliveTimeout = 120_000;
    server.headersTimeout = 121_000;
    await new Promise((resolve) => server.listen(0, host, resolve));
    servers.push(server);
    urls[name] = `http://${host}:${server.address().port}/graphql`;
  }
  return {
    urls,
    stats: () => structuredClone(stats),
    close: () => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))),
  };
}

function reply(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

// As its own process (the bench runs it so): prints one JSON line with the URLs, then serves.
if (import.meta.url === `file://${process.argv[1]}`) {
  const running = await startSubgraphs();
  console.log(JSON.stringify({ urls: running.urls }));
  process.on('SIGTERM', () => running.close().then(() => process.exit(0)));
}
