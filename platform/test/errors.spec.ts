import { GraphQLError } from 'graphql';
import { DriverException } from '@mikro-orm/core';
import { describe, expect, it } from 'vitest';
import { formatError } from '@peerlink/platform/errors';

/** What a resolver's failure looks like by the time Apollo Server formats it. */
const failed = (original: unknown) => {
  const error = new GraphQLError('boom', { originalError: original as Error, path: ['field'] });
  return formatError({ message: error.message, path: ['field'] }, error);
};
/** As MikroORM hands on a driver's error: a DriverException carrying the original's properties. */
const databaseError = (code: string) =>
  new DriverException(Object.assign(new Error(`SQL with the user's text, state ${code}`), { code }));
const poolTimeout = () =>
  Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full.'), {
    name: 'KnexTimeoutError',
  });

describe('formatError', () => {
  it('answers SERVICE_UNAVAILABLE when the database cannot take the work now, without its message', () => {
    for (const original of [
      databaseError('53300'),
      databaseError('53200'),
      databaseError('57P01'),
      databaseError('57P03'),
      databaseError('57014'),
      poolTimeout(),
      new DriverException(poolTimeout()),
    ]) {
      expect(failed(original)).toEqual({
        message: 'A service is briefly unavailable; try again shortly.',
        path: ['field'],
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      });
    }
  });

  it('keeps the request’s own faults and bugs apart from overload', () => {
    expect(failed(databaseError('23505')).extensions?.code).toBe('CONFLICT');
    expect(failed(databaseError('22021')).extensions?.code).toBe('BAD_USER_INPUT');
    expect(failed(databaseError('42P01'))).toEqual({
      message: 'Internal server error.',
      path: ['field'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(failed(new TypeError('x is undefined')).extensions?.code).toBe('INTERNAL_SERVER_ERROR');
  });
});
