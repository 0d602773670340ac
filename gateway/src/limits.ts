import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Cache } from '@peerlink/platform/cache/cache';
import { InfrastructureUnavailable } from '@peerlink/platform/errors';
import type { Logger } from '@peerlink/platform/logger';
import { IntrospectionCost, fragmentsOf, fullIntrospectionCost, schemaSizes } from './introspection-cost.js';

export interface QueryLimits {
  maxDepth: number;
  maxFields: number;
  maxAliases: number;
  maxDirectives: number;
  /**
   * The most values an operation's introspection may resolve (see introspection-cost.ts). Never
   * less than graphql-js's full introspection query costs in the schema served, so GraphiQL, codegen
   * and every client's standard query pass however large the schema grows.
   */
  maxIntrospectionCost: number;
}

/**
 * Rejects operations that are too deep or too wide before any subgraph is called: a validation
 * rule, so it applies to queries over HTTP and subscriptions over WebSocket alike. Depth and field
 * counts are for data; introspection is bounded by the schema, so it is priced by what it resolves
 * there instead. Aliases count everywhere.
 */
export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = fragmentsOf(context.getDocument());
    const schema = context.getSchema();
    const walk: Walk = {
      fragments,
      costs: new Map(),
      introspection: new IntrospectionCost(schemaSizes(schema), fragments),
    };
    return {
      OperationDefinition(operation) {
        const totals = measure(operation.selectionSet, walk);
        const name = operation.name?.value ?? 'anonymous';
        const report = (message: string) => context.reportError(new GraphQLError(message, { nodes: [operation] }));
        if (totals.depth > limits.maxDepth)
          report(`Operation ${name} is ${totals.depth} levels deep; the limit is ${limits.maxDepth}.`);
        if (totals.fields > limits.maxFields)
          report(`Operation ${name} selects ${totals.fields} fields; the limit is ${limits.maxFields}.`);
        if (totals.aliases > limits.maxAliases)
          report(`Operation ${name} uses ${totals.aliases} aliases; the limit is ${limits.maxAliases}.`);
        // Each one is evaluated wherever its fragment is spread, so a small document can ask for many.
        const directives = totals.directives + (operation.directives?.length ?? 0);
        if (directives > limits.maxDirectives)
          report(`Operation ${name} uses ${directives} directives; the limit is ${limits.maxDirectives}.`);
        if (totals.introspection > 0) {
          const limit = Math.max(limits.maxIntrospectionCost, fullIntrospectionCost(schema));
          const cost = Math.min(Math.ceil(totals.introspection), Number.MAX_SAFE_INTEGER);
          if (cost > limit)
            report(`Operation ${name}'s introspection could resolve ${cost} values; the limit is ${limit}.`);
        }
      },
    };
  };
}

interface Cost {
  fields: number;
  aliases: number;
  directives: number;
  depth: number;
  /** Values its `__schema` and `__type` fields resolve, estimated. */
  introspection: number;
}

const NOTHING: Cost = { fields: 0, aliases: 0, directives: 0, depth: 0, introspection: 0 };

interface Walk {
  fragments: Map<string, FragmentDefinitionNode>;
  costs: Map<string, Cost | null>;
  introspection: IntrospectionCost;
}

/**
 * What a selection set costs once executed, fragments expanded. Each fragment is measured once and
 * reused at every spread, so a small document that spreads fragments into each other many times
 * costs time in proportion to its size to reject, not to the size of its expansion.
 */
function measure(selectionSet: SelectionSetNode, walk: Walk): Cost {
  const cost = { ...NOTHING };
  for (const selection of selectionSet.selections) {
    cost.directives += selection.directives?.length ?? 0;
    if (selection.kind === Kind.FIELD) {
      // The plain `__typename` leaf is free.
      if (selection.name.value === '__typename' && !selection.alias) continue;
      const inner = selection.selectionSet ? measure(selection.selectionSet, walk) : NOTHING;
      cost.aliases += (selection.alias ? 1 : 0) + inner.aliases;
      cost.directives += inner.directives;
      const root = selection.name.value;
      if (root === '__schema' || root === '__type') {
        cost.introspection += walk.introspection.ofRootField(root, selection.selectionSet);
        continue;
      }
      cost.fields += 1 + inner.fields;
      cost.depth = Math.max(cost.depth, 1 + inner.depth);
      cost.introspection += inner.introspection;
    } else {
      const inner =
        selection.kind === Kind.INLINE_FRAGMENT
          ? measure(selection.selectionSet, walk)
          : fragmentCost(selection.name.value, walk);
      cost.fields += inner.fields;
      cost.aliases += inner.aliases;
      cost.directives += inner.directives;
      cost.depth = Math.max(cost.depth, inner.depth);
      cost.introspection += inner.introspection;
    }
  }
  return cost;
}

function fragmentCost(name: string, walk: Walk): Cost {
  const known = walk.costs.get(name);
  if (known) return known;
  const fragment = walk.fragments.get(name);
  // null marks a fragment being measured: a spread of it inside itself is a cycle, which graphql's
  // own NoFragmentCycles rule reports, so it adds nothing here.
  if (!fragment || known === null) return NOTHING;
  walk.costs.set(name, null);
  const cost = measure(fragment.selectionSet, walk);
  walk.costs.set(name, cost);
  return cost;
}

/**
 * A sliding-window counter per client, kept in the shared cache so every gateway agrees: the count
 * of the current minute plus the previous minute's, weighted by how much of it is still inside the
 * last sixty seconds. Unlike fixed windows, a burst that straddles a minute boundary is still seen
 * whole.
 */
export class RateLimiter {
  private lastWarned = 0;

  constructor(
    private readonly cache: Cache,
    private readonly perMinute: number,
    private readonly logger?: Logger,
  ) {}

  /**
   * Returns 0 when allowed, else the seconds to wait before trying again. Without the cache every
   * request is allowed: a rate limit is not worth the whole API going down with Redis.
   */
  async take(clientKey: string, now = Date.now()): Promise<number> {
    if (this.perMinute === 0) return 0;
    const window = Math.floor(now / 60_000);
    const elapsed = (now % 60_000) / 60_000;
    let current: number, previous: string | null;
    try {
      [current, previous] = await Promise.all([
        this.cache.increment(`rate:${clientKey}:${window}`, 120),
        this.cache.get(`rate:${clientKey}:${window - 1}`),
      ]);
    } catch (err) {
      if (!(err instanceof InfrastructureUnavailable)) throw err;
      // Once a minute is enough to tell operators; every request would drown the log.
      if (now - this.lastWarned > 60_000) {
        this.lastWarned = now;
        this.logger?.warn({ err }, 'rate limiting is off until the cache is back');
      }
      return 0;
    }
    const estimate = Number(previous ?? 0) * (1 - elapsed) + current;
    return estimate > this.perMinute ? Math.max(1, Math.ceil(60 - elapsed * 60)) : 0;
  }
}
