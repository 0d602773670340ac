export type Resolver = (...args: unknown[]) => unknown;

/** Where a resolver sits: a root field (Query, Mutation), an entity reference (`__resolveReference`), or a field. */
export interface ResolverAt {
  type: string;
  field: string;
  kind: 'root' | 'reference' | 'field';
}

/**
 * Replaces each resolver of a resolvers map with what `wrap` returns for it, where it returns one. Type-level
 * resolvers (`__resolveType`, `__isTypeOf`) are left alone.
 */
export function wrapResolvers(
  resolvers: Record<string, Record<string, unknown>>,
  wrap: (resolve: Resolver, at: ResolverAt) => Resolver | undefined,
) {
  for (const [type, fields] of Object.entries(resolvers)) {
    if (typeof fields !== 'object' || fields === null) continue;
    const root = type === 'Query' || type === 'Mutation';
    for (const [field, resolve] of Object.entries(fields)) {
      if (typeof resolve !== 'function') continue;
      if (field !== '__resolveReference' && field.startsWith('__')) continue;
      const kind = field === '__resolveReference' ? 'reference' : root ? 'root' : 'field';
      const wrapped = wrap(resolve as Resolver, { type, field, kind });
      if (wrapped) fields[field] = wrapped;
    }
  }
}
