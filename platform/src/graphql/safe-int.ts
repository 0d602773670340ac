import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const describe = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

function safeInteger(value: unknown): number {
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) {
    throw new GraphQLError(`SafeInt cannot represent ${describe(value)}: a whole number up to 2^53 - 1 is expected.`, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return number;
}

/**
 * Byte counts (file sizes, quotas, totals) pass GraphQL's `Int`, which stops at 2^31 - 1 (2 GiB),
 * yet must stay exact: this scalar is a JSON number like `Int`, only wider. Same name and range as
 * graphql-scalars' `SafeInt`, so code generators that know it map it to `number`.
 */
export const SafeInt = new GraphQLScalarType({
  name: 'SafeInt',
  description:
    'A whole number from -(2^53 - 1) to 2^53 - 1 (Number.MAX_SAFE_INTEGER), sent as a JSON number: exact in ' +
    'JavaScript and in any IEEE-754 double. Used for sizes in bytes.',
  serialize: safeInteger,
  parseValue: safeInteger,
  parseLiteral(ast) {
    if (ast.kind !== Kind.INT)
      throw new GraphQLError(`SafeInt cannot represent a non-integer literal.`, {
        extensions: { code: 'BAD_USER_INPUT' },
      });
    return safeInteger(Number(ast.value));
  },
});
