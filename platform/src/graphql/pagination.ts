import { Directive, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { badInput } from '../errors.js';
import { isUuid } from '../ids.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page-size.js';

export { MAX_PAGE_SIZE } from './page-size.js';

@Directive('@shareable')
@ObjectType({ description: 'Relay-style page information.' })
export class PageInfo {
  @Field({
    description:
      'More edges follow endCursor: page on with `after: endCursor` (or, for a list paged backwards, newer ' +
      'ones exist).',
  })
  hasNextPage!: boolean;

  @Field({
    description:
      'More edges come before startCursor. Lists paged forwards say true on every page after the first; a ' +
      'list paged backwards (`last`/`before`) says whether older edges exist: page on with `before: ' +
      'startCursor`.',
  })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The first edge’s cursor; null when the page is empty.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'The last edge’s cursor; null when the page is empty.' })
  endCursor!: string | null;
}

/** Page information for edges in the list's own order; `after` is the cursor the page started from. */
export function pageInfoOf(
  edges: readonly { cursor: string }[],
  hasNextPage: boolean,
  after?: string | null,
): PageInfo {
  return {
    hasNextPage,
    hasPreviousPage: Boolean(after),
    startCursor: edges[0]?.cursor ?? null,
    endCursor: edges.at(-1)?.cursor ?? null,
  };
}

/**
 * The Relay connection type of a node type: `<Name>Connection { edges: [<Name>Edge] pageInfo }`
 * with `<Name>Edge { cursor node }`. One definition for every list instead of two classes each.
 * `totalCount` (its description) adds `totalCount: Int!`, for lists every field of which can count
 * cheaply; their services return it as a getter, so only a client that asks pays for the count.
 */
export function connectionOf<T extends object>(
  node: ClassType<T>,
  name: string = node.name,
  options: { totalCount?: string } = {},
) {
  @ObjectType(`${name}Edge`)
  class Edge {
    @Field()
    cursor!: string;

    @Field(() => node)
    node!: T;
  }

  @ObjectType(`${name}Connection`)
  class Connection {
    @Field(() => [Edge])
    edges!: Edge[];

    @Field(() => PageInfo)
    pageInfo!: PageInfo;

    totalCount?: number | Promise<number>;
  }
  if (options.totalCount) Field(() => Int, { description: options.totalCount })(Connection.prototype, 'totalCount');
  return Connection;
}

/**
 * Gives a connection its `totalCount`, counted only if a client selects the field (type-graphql
 * reads the property only then), so lists pay for the count when it is asked for.
 */
export function withTotalCount<C extends object>(
  connection: C,
  count: () => number | Promise<number>,
): C & { totalCount: number | Promise<number> } {
  return Object.defineProperty(connection, 'totalCount', { get: count, enumerable: true }) as C & {
    totalCount: number | Promise<number>;
  };
}

/** Validates `first` (or, for a list paged backwards, `last`), the page size every list field takes. */
export function pageSize(first: number | null | undefined, fallback = DEFAULT_PAGE_SIZE, field = 'first'): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput(`${field} must be between 1 and ${MAX_PAGE_SIZE}.`, field);
  }
  return size;
}

/**
 * Cursors are opaque to clients; inside they hold the keyset position (creation time and id) of the
 * last row seen, so pages stay stable while new rows arrive.
 */
export interface KeysetCursor {
  createdAt: Date;
  id: string;
}

export function encodeCursor(row: KeysetCursor): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString('base64url');
}

export function decodeCursor(cursor: string | null | undefined, field = 'after'): KeysetCursor | null {
  if (!cursor) return null;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const date = new Date(createdAt);
    if (typeof id !== 'string' || !isUuid(id) || Number.isNaN(date.getTime())) throw new Error();
    return { createdAt: date, id };
  } catch {
    throw badInput('The cursor is not valid.', field);
  }
}

/** Keyset filter for newest-first lists: rows strictly after the cursor in (createdAt, id) order. */
export function olderThan(cursor: KeysetCursor | null) {
  if (!cursor) return {};
  return {
    $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }],
  };
}

/** Where the page started: the `after` cursor it was asked for, if any. */
export interface PageStart {
  after?: string | null;
}

type Connection<T> = { edges: { cursor: string; node: T }[]; pageInfo: PageInfo };

/**
 * Builds a connection from `size + 1` rows fetched in the list's order; `position` says where a row
 * sits when the list is ordered by something other than its creation time, and `start` names the
 * `after` cursor so that later pages report hasPreviousPage.
 */
export function toConnection<T extends KeysetCursor>(rows: T[], size: number, start?: PageStart): Connection<T>;
export function toConnection<T>(
  rows: T[],
  size: number,
  position: (row: T) => KeysetCursor,
  start?: PageStart,
): Connection<T>;
export function toConnection<T>(
  rows: T[],
  size: number,
  ...rest: [PageStart?] | [(row: T) => KeysetCursor, PageStart?]
): Connection<T> {
  const [position, start] =
    typeof rest[0] === 'function' ? [rest[0], rest[1]] : [(row: T) => row as KeysetCursor, rest[0]];
  const edges = rows.slice(0, size).map((node) => ({ cursor: encodeCursor(position(node)), node }));
  return { edges, pageInfo: pageInfoOf(edges, rows.length > size, start?.after) };
}
