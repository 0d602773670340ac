import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Cache } from '@peerlink/platform/cache/cache';

export interface QueryLimits {
  maxDepth: number;
  maxFields: number;
  maxAliases: number;
}

/**
 * Rejects operations that are too deep or too wide before any subgraph is called: a validation
 * rule, so it applies to queries over HTTP and subscriptions over WebSocket alike.
 */
export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    return {
      OperationDefinition(operation) {
        const totals = { fields: 0, aliases: 0, depth: 0 };
        measure(operation.selectionSet, 1, totals, fragments, new Set());
        const name = operation.name?.value ?? 'anonymous';
        if (totals.depth > limits.maxDepth) {
          context.reportError(new GraphQLError(`Operation ${name} is ${totals.depth} levels deep; the limit is ${limits.maxDepth}.`, { nodes: [operation] }));
        }
        if (totals.fields > limits.maxFields) {
          context.reportError(new GraphQLError(`Operation ${name} selects ${totals.fields} fields; the limit is ${limits.maxFields}.`, { nodes: [operation] }));
        }
        if (totals.aliases > limits.maxAliases) {
          context.reportError(new GraphQLError(`Operation ${name} uses ${totals.aliases} aliases; the limit is ${limits.maxAliases}.`, { nodes: [operation] }));
        }
      },
    };
  };
}

function measure(
  selectionSet: SelectionSetNode,
  depth: number,
  totals: { fields: number; aliases: number; depth: number },
  fragments: Map<string, FragmentDefinitionNode>,
  visiting: Set<string>,
) {
  // Stop early: a hostile operation should cost us no more than the limit to reject.
  if (totals.fields > 100_000) return;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      totals.fields += 1;
      if (selection.alias) totals.aliases += 1;
      totals.depth = Math.max(totals.depth, depth);
      if (selection.selectionSet) measure(selection.selectionSet, depth + 1, totals, fragments, visiting);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      measure(selection.selectionSet, depth, totals, fragments, visiting);
    } else {
      const fragment = fragments.get(selection.name.value);
      // A fragment cycle is reported by graphql's own NoFragmentCycles rule.
      if (!fragment || visiting.has(fragment.name.value)) continue;
      visiting.add(fragment.name.value);
      measure(fragment.selectionSet, depth, totals, fragments, visiting);
      visiting.delete(fragment.name.value);
    }
  }
}

/** Fixed one-minute windows per client, counted in the shared cache so every gateway agrees. */
export class RateLimiter {
  constructor(private readonly cache: Cache, private readonly perMinute: number) {}

  /** Returns 0 when allowed, else the seconds until the window resets. */
  async take(clientKey: string): Promise<number> {
    if (this.perMinute === 0) return 0;
    const window = Math.floor(Date.now() / 60_000);
    const count = await this.cache.increment(`rate:${clientKey}:${window}`, 61);
    return count > this.perMinute ? 60 - (Math.floor(Date.now() / 1000) % 60) : 0;
  }
}
