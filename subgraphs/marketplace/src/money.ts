// Money is platform's, shared with payments and learning: one definition keeps the federated type identical.
export { Money, money, checkPrice, MAX_PRICE } from '@peerlink/platform/graphql/money';

/** The most one line or order may total: what a 32-bit `Int` (GraphQL's, and the provider's) holds. */
export const MAX_TOTAL = 2 ** 31 - 1;
