import { describe, expect, it } from 'vitest';
import { RequestAbandoned, stoppedWhenAbandoned } from '@peerlink/platform/graphql/request-deadline';

describe('stoppedWhenAbandoned', () => {
  const started: string[] = [];
  const resolvers: Record<string, Record<string, unknown>> = {
    Query: { products: () => started.push('Query.products') },
    User: {
      __resolveReference: () => started.push('User.__resolveReference'),
      products: () => started.push('User.products'),
      username: () => started.push('User.username'),
    },
  };
  stoppedWhenAbandoned(resolvers, (type, field) => type === 'User' && field === 'products');
  const call = (type: string, field: string, context: object) => {
    const resolve = resolvers[type]![field] as (...args: unknown[]) => unknown;
    return () => (field === '__resolveReference' ? resolve({}, context, {}) : resolve({}, {}, context, {}));
  };

  it('lets every resolver start while someone waits for the answer', () => {
    const context = { signal: new AbortController().signal };
    for (const [type, field] of [
      ['Query', 'products'],
      ['User', '__resolveReference'],
      ['User', 'products'],
      ['User', 'username'],
    ] as const)
      call(type, field, context)();
    expect(started).toEqual(['Query.products', 'User.__resolveReference', 'User.products', 'User.username']);
  });

  it('starts no root field, entity lookup or list field once the request is abandoned; plain fields of what is loaded still resolve', () => {
    started.length = 0;
    const abandoned = new AbortController();
    abandoned.abort();
    const context = { signal: abandoned.signal };
    expect(call('Query', 'products', context)).toThrow(RequestAbandoned);
    expect(call('User', '__resolveReference', context)).toThrow(RequestAbandoned);
    expect(call('User', 'products', context)).toThrow(RequestAbandoned);
    call('User', 'username', context)();
    expect(started).toEqual(['User.username']);
  });
});
