import { Directive, Field, ObjectType, type ClassType } from 'type-graphql';
import { badInput } from '../errors.js';
import { isUuid } from '../ids.js';

@Directive('@shareable')
@ObjectType({ description: 'Relay-style page information.' })
export class PageInfo {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

/**
 * The Relay connection type of a node type: `<Name>Connection { edges: [<Name>Edge] pageInfo }`
 * with `<Name>Edge { cursor node }`. One definition for every list instead of two classes each.
 */
export function connectionOf<T extends object>(node: ClassType<T>, name: string = node.name) {
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
  }
  return Connection;
}

export const MAX_PAGE_SIZE = 100;

/** Validates `first`, the page size every list field takes. */
export function pageSize(first: number | null | undefined, fallback = 20): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw badInput(`first must be between 1 and ${MAX_PAGE_SIZE}.`, 'first');
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

export function decodeCursor(cursor: string | null | undefined): KeysetCursor | null {
  if (!cursor) return null;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const date = new Date(createdAt);
    if (typeof id !== 'string' || !isUuid(id) || Number.isNaN(date.getTime())) throw new Error();
    return { createdAt: date, id };
  } catch {
    throw badInput('The cursor is not valid.', 'after');
  }
}

/** Keyset filter for newest-first lists: rows strictly after the cursor in (createdAt, id) order. */
export function olderThan(cursor: KeysetCursor | null) {
  if (!cursor) return {};
  return {
    $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }],
  };
}

/**
 * Builds a connection from `size + 1` rows fetched in the list's order; `position` says where a row
 * sits when the list is ordered by something other than its creation time.
 */
export function toConnection<T extends KeysetCursor>(rows: T[], size: number): { edges: { cursor: string; node: T }[]; pageInfo: PageInfo };
export function toConnection<T>(rows: T[], size: number, position: (row: T) => KeysetCursor): { edges: { cursor: string; node: T }[]; pageInfo: PageInfo };
export function toConnection<T>(rows: T[], size: number, position = (row: T) => row as KeysetCursor) {
  const nodes = rows.slice(0, size);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(position(node)), node }));
  return { edges, pageInfo: { hasNextPage: rows.length > size, endCursor: edges.at(-1)?.cursor ?? null } };
}
