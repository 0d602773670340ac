/**
 * What `npm run seed` makes: a handful of people and enough of everything for a newcomer to open
 * a lived-in app. Everything is named here, so a re-run can find what it made before.
 */
export type Handle = 'demo_admin' | 'alice' | 'bob' | 'carol' | 'dan';

export const PEOPLE: { username: Handle; displayName: string; bio: string }[] = [
  { username: 'demo_admin', displayName: 'PeerLink Admin', bio: 'Keeps the lights on.' },
  { username: 'alice', displayName: 'Alice Example', bio: 'Reads a lot, buys furniture, posts about both.' },
  { username: 'bob', displayName: 'Bob Example', bio: 'Woodworker. Sells what he makes.' },
  { username: 'carol', displayName: 'Carol Example', bio: 'Birdwatcher and author of a field guide.' },
  { username: 'dan', displayName: 'Dan Example', bio: 'New here.' },
];

/** Who follows whom. */
export const FOLLOWS: [Handle, Handle][] = [
  ['alice', 'bob'],
  ['alice', 'carol'],
  ['bob', 'alice'],
  ['carol', 'alice'],
  ['carol', 'bob'],
  ['dan', 'alice'],
  ['dan', 'bob'],
];

export const POSTS: { key: string; author: Handle; body: string; visibility: 'PUBLIC' | 'FOLLOWERS' }[] = [
  {
    key: 'alice-hello',
    author: 'alice',
    body: 'Hello, PeerLink! Setting up my new reading corner this week.',
    visibility: 'PUBLIC',
  },
  {
    key: 'alice-book',
    author: 'alice',
    body: 'Finished "The Overstory" last night. Trees will never look the same.',
    visibility: 'PUBLIC',
  },
  {
    key: 'bob-desk',
    author: 'bob',
    body: 'A walnut desk just came out of the workshop. It is in my shop now.',
    visibility: 'PUBLIC',
  },
  {
    key: 'bob-oil',
    author: 'bob',
    body: 'Tip: three thin coats of hard-wax oil beat one thick coat every time.',
    visibility: 'PUBLIC',
  },
  {
    key: 'carol-guide',
    author: 'carol',
    body: 'My field guide to garden birds is out as an ebook!',
    visibility: 'PUBLIC',
  },
  {
    key: 'carol-wren',
    author: 'carol',
    body: 'A wren has moved into the hedge. Followers only: photos soon.',
    visibility: 'FOLLOWERS',
  },
  { key: 'dan-first', author: 'dan', body: 'First post. Who should I follow?', visibility: 'PUBLIC' },
];

/** Comments, in order; `replyTo` names an earlier comment's key. */
export const COMMENTS: { key: string; post: string; author: Handle; body: string; replyTo?: string }[] = [
  {
    key: 'bob-on-hello',
    post: 'alice-hello',
    author: 'bob',
    body: 'A reading corner needs a good chair. Just saying.',
  },
  {
    key: 'alice-reply',
    post: 'alice-hello',
    author: 'alice',
    body: 'Ha! I am looking at your oak chair right now.',
    replyTo: 'bob-on-hello',
  },
  { key: 'carol-on-hello', post: 'alice-hello', author: 'carol', body: 'Welcome! Enjoy it.' },
  { key: 'alice-on-desk', post: 'bob-desk', author: 'alice', body: 'That grain is beautiful.' },
  { key: 'dan-on-guide', post: 'carol-guide', author: 'dan', body: 'Just bought it. Congratulations!' },
  { key: 'alice-on-dan', post: 'dan-first', author: 'alice', body: 'Bob and Carol, for a start.' },
];

export const POST_LIKES: [Handle, string][] = [
  ['alice', 'bob-desk'],
  ['alice', 'bob-oil'],
  ['alice', 'carol-guide'],
  ['bob', 'alice-hello'],
  ['bob', 'alice-book'],
  ['carol', 'alice-hello'],
  ['dan', 'alice-hello'],
  ['dan', 'bob-desk'],
  ['carol', 'bob-desk'],
];

export const COMMENT_LIKES: [Handle, string][] = [
  ['alice', 'bob-on-hello'],
  ['bob', 'alice-reply'],
  ['carol', 'dan-on-guide'],
];

/** Conversations: a direct one between two people, or a group its first member creates. */
export const CONVERSATIONS: { key: string; members: Handle[]; title?: string; messages: [Handle, string][] }[] = [
  {
    key: 'alice-bob',
    members: ['alice', 'bob'],
    messages: [
      ['alice', 'Hi Bob! Is the oak chair still available?'],
      ['bob', 'It is. Shipping takes about a week.'],
      ['alice', 'Great, ordering it now.'],
      ['bob', 'Thank you! I will send the tracking number.'],
    ],
  },
  {
    key: 'alice-carol',
    members: ['alice', 'carol'],
    messages: [
      ['carol', 'Thanks for sharing my guide!'],
      ['alice', 'It is lovely. The wren chapter is my favourite.'],
    ],
  },
  {
    key: 'book-club',
    members: ['alice', 'bob', 'carol', 'dan'],
    title: 'Book club',
    messages: [
      ['alice', 'Welcome to the book club! First pick: The Overstory.'],
      ['carol', 'Count me in.'],
      ['dan', 'Ordering a copy today.'],
    ],
  },
];

type Rgb = [number, number, number];

/** Files each person uploads through drive's signed URLs; images are made PUBLIC for product pages. */
export const FILES: {
  key: string;
  owner: Handle;
  name: string;
  mimeType: string;
  image?: [Rgb, Rgb];
  text?: string;
  visibility: 'PUBLIC' | 'PRIVATE';
}[] = [
  {
    key: 'desk-photo',
    owner: 'bob',
    name: 'walnut-desk.png',
    mimeType: 'image/png',
    image: [
      [94, 61, 38],
      [140, 98, 64],
    ],
    visibility: 'PUBLIC',
  },
  {
    key: 'chair-photo',
    owner: 'bob',
    name: 'oak-chair.png',
    mimeType: 'image/png',
    image: [
      [196, 160, 110],
      [222, 196, 150],
    ],
    visibility: 'PUBLIC',
  },
  {
    key: 'guide-cover',
    owner: 'carol',
    name: 'field-guide-cover.png',
    mimeType: 'image/png',
    image: [
      [46, 110, 72],
      [230, 214, 160],
    ],
    visibility: 'PUBLIC',
  },
  {
    key: 'guide-text',
    owner: 'carol',
    name: 'field-guide-to-garden-birds.md',
    mimeType: 'text/markdown',
    text: '# A field guide to garden birds\n\n## The wren\nSmall, loud, and always in the hedge.\n',
    visibility: 'PRIVATE',
  },
  {
    key: 'reading-list',
    owner: 'alice',
    name: 'reading-list.txt',
    mimeType: 'text/plain',
    text: 'The Overstory\nH is for Hawk\nBraiding Sweetgrass\n',
    visibility: 'PRIVATE',
  },
];

export const PRODUCTS: {
  key: string;
  seller: Handle;
  title: string;
  description: string;
  kind: 'PHYSICAL' | 'DIGITAL';
  priceAmount: number;
  stock?: number;
  category: string;
  images: string[];
  digitalFile?: string;
}[] = [
  {
    key: 'desk',
    seller: 'bob',
    title: 'Walnut desk',
    description: 'Solid walnut, hard-wax oil finish, 140 × 70 cm.',
    kind: 'PHYSICAL',
    priceAmount: 45000,
    stock: 3,
    category: 'Furniture',
    images: ['desk-photo'],
  },
  {
    key: 'chair',
    seller: 'bob',
    title: 'Oak reading chair',
    description: 'Steam-bent oak with a woven seat.',
    kind: 'PHYSICAL',
    priceAmount: 12000,
    stock: 10,
    category: 'Furniture',
    images: ['chair-photo'],
  },
  {
    key: 'guide',
    seller: 'carol',
    title: 'A field guide to garden birds (ebook)',
    description: 'Forty common garden birds, how to tell them apart and what they eat.',
    kind: 'DIGITAL',
    priceAmount: 900,
    category: 'Books',
    images: ['guide-cover'],
    digitalFile: 'guide-text',
  },
];

/**
 * Orders, each one checkout paid with the sandbox's (and Stripe's) test card, then taken as far as
 * `until` and reviewed by the buyer. The idempotency key makes a re-run's checkout return the same orders.
 */
export const PURCHASES: {
  key: string;
  buyer: Handle;
  products: string[];
  reviews: { product: string; rating: number; body: string }[];
  sellerReviews: { seller: Handle; rating: number; body: string }[];
}[] = [
  {
    key: 'seed-alice-1',
    buyer: 'alice',
    products: ['chair', 'guide'],
    reviews: [
      { product: 'chair', rating: 5, body: 'Sturdy, beautiful, and it arrived well packed.' },
      { product: 'guide', rating: 4, body: 'Clear and charming. I wish it had more photos.' },
    ],
    sellerReviews: [{ seller: 'bob', rating: 5, body: 'Quick to answer and shipped fast.' }],
  },
  {
    key: 'seed-dan-1',
    buyer: 'dan',
    products: ['guide'],
    reviews: [{ product: 'guide', rating: 5, body: 'Exactly what a beginner needs.' }],
    sellerReviews: [{ seller: 'carol', rating: 5, body: 'Instant download, thank you.' }],
  },
];

export const SHIPPING_ADDRESS = {
  name: 'Alice Example',
  line1: '1 Main St',
  city: 'Berlin',
  postalCode: '10115',
  country: 'DE',
};
export const TEST_CARD = 'pm_card_visa';
