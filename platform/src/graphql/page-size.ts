/**
 * Page sizes, in one place: every list field clamps `first`/`last` to MAX_PAGE_SIZE (pageSize in
 * pagination.ts), and the gateway's cost estimate (gateway/src/query-cost.ts) multiplies by the
 * same numbers, so the two cannot drift apart.
 */
export const MAX_PAGE_SIZE = 100;

/** What a list field returns when no page size is asked for (a few lists choose their own, up to the max). */
export const DEFAULT_PAGE_SIZE = 20;
