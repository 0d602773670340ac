import { seedDemo } from '@peerlink/launcher/seeding/seed-demo';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginDocument } from './generated/graphql.js';
import { ok } from './support/client.js';
import { startTestStack, type TestStack } from './support/stack.js';

/** `npm run seed`'s content, made through the gateway of a test stack, counted through the API. */
const PASSWORD = 'seeded passphrase 2026';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

async function gql(query: string, variables: Record<string, unknown> = {}, token?: string) {
  const response = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

const signIn = async (login: string) =>
  (await ok(t.url, LoginDocument, { input: { login, password: PASSWORD } })).login.accessToken;

/** What a newcomer would see, signed in as each demo person. */
async function census() {
  const people = ['demo_admin', 'alice', 'bob', 'carol', 'dan'];
  const tokens = Object.fromEntries(await Promise.all(people.map(async (p) => [p, await signIn(p)])));
  // Pages of 10 hold the demo (at most 2 posts a person, 2 comments a post, 1 reply a comment) and keep
  // the query under the default cost limit (MAX_QUERY_COST), as the seed's own queries are.
  const profile = `id followerCount followingCount sellerRating { count }
    posts(first: 10) { edges { node { body likeCount commentCount comments(first: 10) { edges { node { likeCount
      replies(first: 10) { edges { node { likeCount } } } } } } } } }`;
  const users = Object.fromEntries(
    await Promise.all(
      people.map(async (p) => [
        p,
        (await gql(`query U($u: String!) { user(username: $u) { ${profile} } }`, { u: p }, tokens.alice)).user,
      ]),
    ),
  );
  const posts = Object.values(users).flatMap((u: any) => u.posts.edges.map((e: any) => e.node));
  const comments = posts.flatMap((p: any) =>
    p.comments.edges.flatMap((e: any) => [e.node, ...e.node.replies.edges.map((r: any) => r.node)]),
  );

  const { conversations } = await gql(
    '{ conversations(first: 50) { edges { node { id kind title } } } }',
    {},
    tokens.alice,
  );
  let messages = 0;
  for (const { node } of conversations.edges)
    messages += (
      await gql(
        'query M($id: ID!) { conversation(id: $id) { messages(last: 100) { edges { node { id } } } } }',
        { id: node.id },
        tokens.alice,
      )
    ).conversation.messages.edges.length;

  const files = async (who: string) =>
    (await gql('{ files(first: 50) { edges { node { name visibility } } } }', {}, tokens[who])).files.edges.map(
      (e: any) => e.node,
    );
  const { products } = await gql(
    '{ products(first: 50, sort: NEWEST) { edges { node { title status seller { username } images { ' +
      'publicUrl } rating { count } } } } }',
    {},
    tokens.dan,
  );
  const orders = async (who: string) =>
    (
      await gql('{ myOrders(first: 50) { edges { node { status items { download { name } } } } } }', {}, tokens[who])
    ).myOrders.edges.map((e: any) => e.node);

  return {
    accounts: Object.values(users).filter(Boolean).length,
    follows: Object.values(users).reduce((n: number, u: any) => n + u.followingCount, 0),
    aliceFollowers: users.alice.followerCount,
    posts: posts.length,
    postLikes: posts.reduce((n: number, p: any) => n + p.likeCount, 0),
    comments: posts.reduce((n: number, p: any) => n + p.commentCount, 0),
    commentLikes: comments.reduce((n: number, c: any) => n + c.likeCount, 0),
    conversations: conversations.edges.map((e: any) => e.node.kind).sort(),
    messages,
    files: { alice: (await files('alice')).length, bob: await files('bob'), carol: (await files('carol')).length },
    products: products.edges.map((e: any) => ({
      title: e.node.title,
      status: e.node.status,
      seller: e.node.seller.username,
      images: e.node.images.filter((i: any) => i?.publicUrl).length,
      reviews: e.node.rating.count,
    })),
    orders: { alice: (await orders('alice')).map((o: any) => o.status).sort(), dan: await orders('dan') },
    sellerReviews: users.bob.sellerRating.count + users.carol.sellerRating.count,
  };
}

describe('npm run seed', () => {
  // Two whole seeds through the API (about 150 operations each, payments included): slow on a busy two-core machine.
  it('fills an empty PeerLink through the API, and a second run adds nothing twice', { timeout: 180_000 }, async () => {
    const first = await seedDemo({ url: t.url, password: PASSWORD });
    expect(first.existing).toEqual({});
    const after = await census();
    expect(after).toMatchObject({
      accounts: 5,
      follows: 7,
      aliceFollowers: 3,
      posts: 7,
      postLikes: 9,
      comments: 6,
      commentLikes: 3,
      conversations: ['DIRECT', 'DIRECT', 'GROUP'],
      messages: 9,
      files: { alice: 1, carol: 2 },
      orders: {
        alice: ['DELIVERED', 'PAID'],
        dan: [{ status: 'PAID', items: [{ download: { name: 'field-guide-to-garden-birds.md' } }] }],
      },
      sellerReviews: 2,
    });
    expect(after.files.bob).toEqual([
      { name: 'oak-chair.png', visibility: 'PUBLIC' },
      { name: 'walnut-desk.png', visibility: 'PUBLIC' },
    ]);
    expect(after.products.sort((a: any, b: any) => a.title.localeCompare(b.title))).toEqual([
      { title: 'A field guide to garden birds (ebook)', status: 'ACTIVE', seller: 'carol', images: 1, reviews: 2 },
      { title: 'Oak reading chair', status: 'ACTIVE', seller: 'bob', images: 1, reviews: 1 },
      { title: 'Walnut desk', status: 'ACTIVE', seller: 'bob', images: 1, reviews: 0 },
    ]);
    // The images are real PNGs anyone can fetch.
    const { products } = await gql(
      '{ products(first: 1, filter: { search: "walnut" }) { edges { node { images { publicUrl } } } } }',
    );
    const image = await fetch(products.edges[0].node.images[0].publicUrl);
    expect(image.headers.get('content-type')).toMatch(/image\/png/);
    expect(
      Buffer.from(await image.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');

    const second = await seedDemo({ url: t.url, password: PASSWORD });
    expect(second.created).toEqual({});
    expect(second.existing).toEqual(first.created);
    expect(await census()).toEqual(after);
  });

  it('says which password to use when the accounts were seeded with another', async () => {
    await expect(seedDemo({ url: t.url, password: 'not the seeded one 1' })).rejects.toThrow(
      /already exists with another password: .*SEED_PASSWORD/,
    );
  });
});
