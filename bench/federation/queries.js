/**
 * The benchmark's operations. `deep` is the public workload's query (users and top products, their
 * reviews, those reviews' products and authors, and their reviews again: about 87 KB of answer);
 * `small` is one field from one subgraph, to read the gateway's own overhead against calling that
 * subgraph directly. Both take `$salt`, a new value in every request (see subgraphs.js).
 */
const FRAGMENTS = `
fragment User on User {
  id
  username
  name(salt: $salt)
}

fragment Review on Review {
  id
  body
}

fragment Product on Product {
  inStock(salt: $salt)
  name(salt: $salt)
  price
  shippingEstimate(salt: $salt)
  upc
  weight
}`;

/** Where both halves of the deep query end: a review's author, the author's reviews, their products. */
const AUTHOR = `author {
  ...User
  reviews(salt: $salt) {
    ...Review
    product {
      ...Product
    }
  }
}`;

export const DEEP = `query TestQuery($salt: String) {
  users(salt: $salt) {
    ...User
    reviews(salt: $salt) {
      ...Review
      product {
        ...Product
        reviews(salt: $salt) {
          ...Review
          ${AUTHOR}
        }
      }
    }
  }
  topProducts(salt: $salt) {
    ...Product
    reviews(salt: $salt) {
      ...Review
      ${AUTHOR}
    }
  }
}
${FRAGMENTS}`;

export const SMALL = `query Me($salt: String) {
  me {
    id
    username
    name(salt: $salt)
  }
}`;

/**
 * Request bodies with a fresh salt each: the JSON is split once around the salt, so each body is
 * one concatenation. `prefix` keeps runs apart (a gateway never sees a salt twice).
 */
export function saltedBodies(query, operationName, prefix) {
  const marker = '\u0000salt\u0000';
  const [head, tail] = JSON.stringify({ query, operationName, variables: { salt: marker } }).split(
    JSON.stringify(marker),
  );
  let next = 0;
  return () => `${head}"${prefix}-${next++}"${tail}`;
}
