import { createHash } from 'node:crypto';
import { waitFor } from '@peerlink/platform/testing/wait-for';
import { ApiCallFailed, SeedApi } from './api.js';
import {
  COMMENT_LIKES,
  COMMENTS,
  CONVERSATIONS,
  FILES,
  FOLLOWS,
  PEOPLE,
  POST_LIKES,
  POSTS,
  PRODUCTS,
  PURCHASES,
  SHIPPING_ADDRESS,
  TEST_CARD,
  type Handle,
} from './demo-content.js';
import { bandedPng } from './png.js';

export interface SeedOptions {
  /** The gateway's GraphQL endpoint, e.g. http://localhost:4000/graphql. */
  url: string;
  /** Every seeded account's password; a re-run must be given the same one. */
  password: string;
  log?: (line: string) => void;
  /** How long to wait for the payment saga to mark each order paid. */
  paymentTimeoutMs?: number;
}

/** Per kind of thing, how many this run made and how many it found made already. */
export interface SeedReport {
  created: Record<string, number>;
  existing: Record<string, number>;
}

interface Person {
  id: string;
  token: string;
}

/**
 * Fills a PeerLink with demo content through its public API, as a client would, and only what is
 * missing: a second run finds everything (by names, bodies and idempotency keys) and adds nothing.
 */
export async function seedDemo(options: SeedOptions): Promise<SeedReport> {
  const api = new SeedApi(options.url);
  const report: SeedReport = { created: {}, existing: {} };
  const note = (kind: string, created: boolean) => {
    const bucket = created ? report.created : report.existing;
    bucket[kind] = (bucket[kind] ?? 0) + 1;
  };
  const people = new Map<Handle, Person>();
  const person = (handle: Handle) => people.get(handle)!;

  for (const { username, displayName, bio } of PEOPLE) {
    people.set(username, await account(api, username, displayName, bio, options.password, note));
  }
  for (const seller of new Set(PRODUCTS.map((p) => p.seller))) {
    const { becomeSeller } = await api.call(
      'mutation BecomeSeller { becomeSeller { refreshedAccess { accessToken } } }',
      {},
      person(seller).token,
    );
    if (becomeSeller.refreshedAccess) person(seller).token = becomeSeller.refreshedAccess.accessToken;
  }

  for (const [follower, followed] of FOLLOWS) {
    const { user } = await api.call(
      'query Following($u: String!) { user(username: $u) { viewerIsFollowing } }',
      { u: followed },
      person(follower).token,
    );
    if (!user.viewerIsFollowing)
      await api.call(
        'mutation Follow($id: ID!) { followUser(userId: $id) { id } }',
        { id: person(followed).id },
        person(follower).token,
      );
    note('follows', !user.viewerIsFollowing);
  }

  const posts = await seedPosts(api, people, note);
  const comments = await seedComments(api, people, posts, note);
  for (const [liker, key] of POST_LIKES) {
    const { post } = await api.call(
      'query Liked($id: ID!) { post(id: $id) { viewerHasLiked } }',
      { id: posts.get(key) },
      person(liker).token,
    );
    if (!post.viewerHasLiked)
      await api.call(
        'mutation Like($id: ID!) { likePost(postId: $id) { id } }',
        { id: posts.get(key) },
        person(liker).token,
      );
    note('post likes', !post.viewerHasLiked);
  }
  for (const [liker, key] of COMMENT_LIKES) {
    const { comment } = await api.call(
      'query Liked($id: ID!) { comment(id: $id) { viewerHasLiked } }',
      { id: comments.get(key) },
      person(liker).token,
    );
    if (!comment.viewerHasLiked)
      await api.call(
        'mutation Like($id: ID!) { likeComment(commentId: $id) { id } }',
        { id: comments.get(key) },
        person(liker).token,
      );
    note('comment likes', !comment.viewerHasLiked);
  }

  await seedConversations(api, people, note);
  const files = await seedFiles(api, people, note);
  const products = await seedProducts(api, people, files, note);
  await seedPurchases(api, people, products, note, options.paymentTimeoutMs ?? 30_000);
  options.log?.(describe(report));
  return report;
}

type Note = (kind: string, created: boolean) => void;

/** Registers the account, or signs in to the one a previous run made. */
async function account(
  api: SeedApi,
  username: string,
  displayName: string,
  bio: string,
  password: string,
  note: Note,
): Promise<Person> {
  const input = { username, displayName, email: `${username}@example.com`, password };
  const registered = await api.unless(
    'CONFLICT',
    'mutation Register($input: RegisterInput!) { createAccount(input: $input) { accessToken user { id } } }',
    { input },
  );
  if (registered) {
    const token = registered.createAccount.accessToken;
    await api.call(
      'mutation Bio($input: UpdateProfileInput!) { updateProfile(input: $input) { id } }',
      { input: { bio } },
      token,
    );
    note('accounts', true);
    return { id: registered.createAccount.user.id, token };
  }
  try {
    const { createSession } = await api.call(
      'mutation Login($input: LoginInput!) { createSession(input: $input) { accessToken user { id } } }',
      { input: { login: username, password } },
    );
    note('accounts', false);
    return { id: createSession.user.id, token: createSession.accessToken };
  } catch (error) {
    if (error instanceof ApiCallFailed && error.code === 'UNAUTHENTICATED') {
      throw new Error(
        `${username} already exists with another password: run the seed again with the SEED_PASSWORD it was ` +
          `first run with.`,
      );
    }
    throw error;
  }
}

async function seedPosts(api: SeedApi, people: Map<Handle, Person>, note: Note) {
  const ids = new Map<string, string>();
  for (const post of POSTS) {
    const author = people.get(post.author)!;
    const { posts } = await api.call(
      'query Posts($id: ID!) { posts(authorId: $id, first: 100) { edges { node { id body } } } }',
      { id: author.id },
      author.token,
    );
    let id = posts.edges.find((e: { node: { body: string } }) => e.node.body === post.body)?.node.id;
    note('posts', !id);
    id ??= (
      await api.call(
        'mutation Post($input: CreatePostInput!) { createPost(input: $input) { id } }',
        { input: { body: post.body, visibility: post.visibility } },
        author.token,
      )
    ).createPost.id;
    ids.set(post.key, id);
  }
  return ids;
}

async function seedComments(api: SeedApi, people: Map<Handle, Person>, posts: Map<string, string>, note: Note) {
  const ids = new Map<string, string>();
  // Pages sized to the demo's few comments a post, and to stay under the gateway's cost limit (MAX_QUERY_COST).
  const query = `query Comments($id: ID!) { post(id: $id) { comments(first: 50) { edges { node {
    id body author { username } replies(first: 20) { edges { node { id body author { username } } } } } } } } }`;
  for (const comment of COMMENTS) {
    const author = people.get(comment.author)!;
    const { post } = await api.call(query, { id: posts.get(comment.post) }, author.token);
    type Found = { id: string; body: string; author: { username: string }; replies?: { edges: { node: Found }[] } };
    const all: Found[] = post.comments.edges.flatMap((e: { node: Found }) => [
      e.node,
      ...(e.node.replies?.edges.map((r) => r.node) ?? []),
    ]);
    let id: string | undefined = all.find((c) => c.body === comment.body && c.author.username === comment.author)?.id;
    note('comments', !id);
    id ??= (
      await api.call(
        'mutation Comment($postId: ID!, $body: String!, $parentId: ID) { createComment(postId: $postId, ' +
          'body: $body, parentId: $parentId) { id } }',
        {
          postId: posts.get(comment.post),
          body: comment.body,
          parentId: comment.replyTo ? ids.get(comment.replyTo) : null,
        },
        author.token,
      )
    ).createComment.id;
    ids.set(comment.key, id!);
  }
  return ids;
}

async function seedConversations(api: SeedApi, people: Map<Handle, Person>, note: Note) {
  for (const conversation of CONVERSATIONS) {
    const [first, ...others] = conversation.members.map((m) => people.get(m)!);
    let id: string;
    if (conversation.title) {
      const { conversations } = await api.call(
        'query Mine { conversations(first: 100) { edges { node { id kind title } } } }',
        {},
        first!.token,
      );
      const found = conversations.edges.find(
        (e: { node: { kind: string; title: string } }) =>
          e.node.kind === 'GROUP' && e.node.title === conversation.title,
      );
      note('conversations', !found);
      id =
        found?.node.id ??
        (
          await api.call(
            'mutation Group($title: String!, $ids: [ID!]!) { createGroup(title: $title, memberIds: $ids) { id } }',
            { title: conversation.title, ids: others.map((o) => o.id) },
            first!.token,
          )
        ).createGroup.id;
    } else {
      // The same conversation for a pair every time, from either side.
      const { conversations } = await api.call(
        'query Mine { conversations(first: 100) { edges { node { id kind members { user { id } } } } } }',
        {},
        first!.token,
      );
      const existed = conversations.edges.some(
        (e: { node: { kind: string; members: { user: { id: string } }[] } }) =>
          e.node.kind === 'DIRECT' && e.node.members.some((m) => m.user.id === others[0]!.id),
      );
      note('conversations', !existed);
      id = (
        await api.call(
          'mutation Direct($id: ID!) { openDirectConversation(userId: $id) { id } }',
          { id: others[0]!.id },
          first!.token,
        )
      ).openDirectConversation.id;
    }
    const { conversation: held } = await api.call(
      'query Messages($id: ID!) { conversation(id: $id) { messages(last: 100) { edges { node { body } } } } }',
      { id },
      first!.token,
    );
    const sent = new Set(held.messages.edges.map((e: { node: { body: string } }) => e.node.body));
    for (const [index, [sender, body]] of conversation.messages.entries()) {
      note('messages', !sent.has(body));
      if (sent.has(body)) continue;
      // The client message id makes a send repeated after a lost answer harmless too.
      const input = { conversationId: id, body, clientMessageId: `seed-${conversation.key}-${index}` };
      await api.call(
        'mutation Send($input: SendMessageInput!) { sendMessage(input: $input) { id } }',
        { input },
        people.get(sender)!.token,
      );
    }
  }
}

async function seedFiles(api: SeedApi, people: Map<Handle, Person>, note: Note) {
  const ids = new Map<string, string>();
  for (const file of FILES) {
    const owner = people.get(file.owner)!;
    const { files } = await api.call(
      'query Files { files(first: 100) { edges { node { id name visibility } } } }',
      {},
      owner.token,
    );
    const found = files.edges.find((e: { node: { name: string } }) => e.node.name === file.name)?.node;
    note('files', !found);
    const id =
      found?.id ??
      (await upload(
        api,
        owner.token,
        file.name,
        file.mimeType,
        file.image ? bandedPng(96, ...file.image) : Buffer.from(file.text ?? ''),
      ));
    if ((found?.visibility ?? 'PRIVATE') !== file.visibility) {
      await api.call(
        'mutation Visibility($id: ID!, $v: FileVisibility!) { setFileVisibility(id: $id, visibility: $v) { id } }',
        { id, v: file.visibility },
        owner.token,
      );
    }
    ids.set(file.key, id);
  }
  return ids;
}

/** Drive's upload flow: a ticket, the bytes PUT to its signed URL, completion. */
async function upload(api: SeedApi, token: string, name: string, mimeType: string, bytes: Buffer): Promise<string> {
  const checksum = createHash('sha256').update(bytes).digest('hex');
  const { createUpload: ticket } = await api.call(
    'mutation Upload($input: CreateUploadInput!) { createUpload(input: $input) { uploadId uploadUrl method ' +
      'headers { name value } } }',
    { input: { name, mimeType, size: bytes.length, checksum } },
    token,
  );
  const headers = Object.fromEntries(ticket.headers.map((h: { name: string; value: string }) => [h.name, h.value]));
  const stored = await fetch(ticket.uploadUrl, { method: ticket.method, headers, body: new Uint8Array(bytes) });
  if (!stored.ok) throw new Error(`Uploading ${name} answered HTTP ${stored.status}`);
  return (
    await api.call(
      'mutation Complete($id: ID!) { completeUpload(uploadId: $id) { id } }',
      { id: ticket.uploadId },
      token,
    )
  ).completeUpload.id;
}

async function seedProducts(api: SeedApi, people: Map<Handle, Person>, files: Map<string, string>, note: Note) {
  const ids = new Map<string, string>();
  const { categories } = await api.call('query Categories { categories { id name children { id name } } }');
  const categoryId = (name: string) =>
    categories
      .flatMap((c: { id: string; name: string; children: { id: string; name: string }[] }) => [c, ...c.children])
      .find((c: { name: string }) => c.name === name)?.id ?? null;
  for (const product of PRODUCTS) {
    const seller = people.get(product.seller)!;
    const { products } = await api.call(
      'query Mine($id: ID!) { products(filter: { sellerId: $id }, first: 50, sort: NEWEST) { edges { node { ' +
        'id title status } } } }',
      { id: seller.id },
      seller.token,
    );
    const found = products.edges.find((e: { node: { title: string } }) => e.node.title === product.title)?.node;
    note('products', !found);
    const input = {
      title: product.title,
      description: product.description,
      kind: product.kind,
      priceAmount: product.priceAmount,
      currency: 'usd',
      stock: product.stock,
      categoryId: categoryId(product.category),
      imageIds: product.images.map((key) => files.get(key)),
      digitalFileId: product.digitalFile ? files.get(product.digitalFile) : undefined,
    };
    const id =
      found?.id ??
      (
        await api.call(
          'mutation Product($input: CreateProductInput!) { createProduct(input: $input) { id } }',
          { input },
          seller.token,
        )
      ).createProduct.id;
    if (!found || found.status === 'DRAFT')
      await api.call('mutation Publish($id: ID!) { publishProduct(id: $id) { id } }', { id }, seller.token);
    ids.set(product.key, id);
  }
  return ids;
}

const ORDER_FIELDS = 'id status seller { username } items { id product { id kind } }';
type Order = {
  id: string;
  status: string;
  seller: { username: Handle };
  items: { id: string; product: { id: string; kind: string } }[];
};

async function seedPurchases(
  api: SeedApi,
  people: Map<Handle, Person>,
  products: Map<string, string>,
  note: Note,
  timeoutMs: number,
) {
  for (const purchase of PURCHASES) {
    const buyer = people.get(purchase.buyer)!;
    const wanted = purchase.products.map((key) => products.get(key)!);
    const { myOrders } = await api.call(
      `query Orders { myOrders(first: 50) { edges { node { ${ORDER_FIELDS} } } } }`,
      {},
      buyer.token,
    );
    let orders: Order[] = myOrders.edges
      .map((e: { node: Order }) => e.node)
      .filter((o: Order) => o.items.some((i) => wanted.includes(i.product.id)));
    note('checkouts', !orders.length);
    if (!orders.length) orders = await checkout(api, buyer.token, wanted, purchase.key);

    for (const placed of orders) {
      const paid = await waitFor(
        `order ${placed.id} to be paid`,
        async () => {
          const { order } = await api.call(
            `query Order($id: ID!) { order(id: $id) { ${ORDER_FIELDS} } }`,
            { id: placed.id },
            buyer.token,
          );
          if (order.status === 'PAYMENT_FAILED' || order.status === 'CANCELLED')
            throw new Error(`order ${placed.id} is ${order.status}`);
          return order.status === 'PENDING_PAYMENT' ? null : (order as Order);
        },
        timeoutMs,
      );
      const seller = people.get(paid.seller.username)!;
      const physical = paid.items.some((i) => i.product.kind === 'PHYSICAL');
      if (physical && paid.status === 'PAID') {
        await api.call(
          'mutation Ship($id: ID!) { markOrderShipped(id: $id, trackingNumber: "SEED-0001") { id } }',
          { id: paid.id },
          seller.token,
        );
      }
      if (physical && paid.status !== 'DELIVERED')
        await api.call(
          'mutation Deliver($id: ID!) { markOrderDelivered(id: $id) { id } }',
          { id: paid.id },
          seller.token,
        );

      for (const item of paid.items) {
        const review = purchase.reviews.find((r) => products.get(r.product) === item.product.id);
        if (!review) continue;
        const made = await api.unless(
          'CONFLICT',
          'mutation Review($id: ID!, $rating: Int!, $body: String) { reviewProduct(orderItemId: $id, rating: ' +
            '$rating, body: $body) { id } }',
          {
            id: item.id,
            rating: review.rating,
            body: review.body,
          },
          buyer.token,
        );
        note('product reviews', !!made);
      }
      const sellerReview = purchase.sellerReviews.find((r) => r.seller === paid.seller.username);
      if (sellerReview) {
        const made = await api.unless(
          'CONFLICT',
          'mutation Review($id: ID!, $rating: Int!, $body: String) { reviewSeller(orderId: $id, rating: ' +
            '$rating, body: $body) { id } }',
          {
            id: paid.id,
            rating: sellerReview.rating,
            body: sellerReview.body,
          },
          buyer.token,
        );
        note('seller reviews', !!made);
      }
    }
  }
}

/** Fills the cart with what is not in it yet and checks out; the key returns a first run's orders to a second. */
async function checkout(api: SeedApi, token: string, productIds: string[], idempotencyKey: string): Promise<Order[]> {
  const { cart } = await api.call('query Cart { cart { lines { product { id } } } }', {}, token);
  for (const id of productIds) {
    if (!cart.lines.some((l: { product: { id: string } }) => l.product.id === id)) {
      await api.call(
        'mutation Add($id: ID!) { addCartItem(productId: $id, quantity: 1) { lines { quantity } } }',
        { id },
        token,
      );
    }
  }
  const { checkoutCart: checkout } = await api.call(
    `mutation Checkout($input: CheckoutInput!) { checkoutCart(input: $input) { orders { ${ORDER_FIELDS} } ` +
      `changes { kind } } }`,
    { input: { idempotencyKey, paymentMethodId: TEST_CARD, shippingAddress: SHIPPING_ADDRESS } },
    token,
  );
  if (!checkout.orders.length) throw new Error(`Checkout placed no order (${JSON.stringify(checkout.changes)})`);
  return checkout.orders;
}

function describe(report: SeedReport): string {
  const kinds = [...new Set([...Object.keys(report.created), ...Object.keys(report.existing)])];
  return kinds.map((k) => `${k}: ${report.created[k] ?? 0} new, ${report.existing[k] ?? 0} already there`).join('\n');
}
