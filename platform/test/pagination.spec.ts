// type-graphql decorates PageInfo when the module loads, and needs the metadata polyfill first.
import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import {
  decodeCursor,
  encodeCursor,
  MAX_PAGE_SIZE,
  olderThan,
  pageSize,
  toConnection,
} from '@peerlink/platform/graphql/pagination';
import { uuidv7 } from '@peerlink/platform/ids';

const base64url = (value: string) => Buffer.from(value).toString('base64url');

/** The error `run` throws, for asserting on its GraphQL extensions. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('cursors', () => {
  it('round-trip a keyset position', () => {
    const row = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: uuidv7() };
    const cursor = encodeCursor(row);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(row);
  });

  it('decode no cursor as the first page', () => {
    expect(decodeCursor(null)).toBeNull();
    expect(decodeCursor(undefined)).toBeNull();
    expect(decodeCursor('')).toBeNull();
  });

  it.each([
    ['not base64url', '!!!'],
    ['not JSON', base64url('hello')],
    ['JSON null', base64url('null')],
    ['an object', base64url('{"createdAt":"2026-01-01T00:00:00Z","id":"x"}')],
    ['a bad date', base64url(JSON.stringify(['yesterday', uuidv7()]))],
    ['a missing id', base64url(JSON.stringify(['2026-01-01T00:00:00Z']))],
    ['an id that is not a string', base64url(JSON.stringify(['2026-01-01T00:00:00Z', 42]))],
  ])('reject a cursor that is %s with BAD_USER_INPUT', (_, cursor) => {
    expect(thrown(() => decodeCursor(cursor))).toMatchObject({
      message: 'The cursor is not valid.',
      extensions: { code: 'BAD_USER_INPUT', field: 'after' },
    });
  });
});

describe('pageSize', () => {
  it('takes first, or the fallback when it is absent', () => {
    expect(pageSize(5)).toBe(5);
    expect(pageSize(MAX_PAGE_SIZE)).toBe(MAX_PAGE_SIZE);
    expect(pageSize(null)).toBe(20);
    expect(pageSize(undefined, 7)).toBe(7);
  });

  it.each([0, -1, 1.5, MAX_PAGE_SIZE + 1])('rejects first = %s with BAD_USER_INPUT', (first) => {
    expect(thrown(() => pageSize(first))).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', field: 'first' } });
  });
});

describe('olderThan', () => {
  it('filters nothing on the first page and strictly after the cursor on later ones', () => {
    expect(olderThan(null)).toEqual({});
    const cursor = { createdAt: new Date('2026-01-01T00:00:00Z'), id: uuidv7() };
    expect(olderThan(cursor)).toEqual({
      $or: [{ createdAt: { $lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { $lt: cursor.id } }],
    });
  });
});

describe('toConnection', () => {
  const rows = Array.from({ length: 4 }, (_, i) => ({
    createdAt: new Date(Date.UTC(2026, 0, 10 - i)),
    id: uuidv7(),
    title: `row ${i}`,
  }));

  it('returns a page with a cursor to continue from when there is one more row', () => {
    const connection = toConnection(rows, 3);
    expect(connection.edges.map((e) => e.node)).toEqual(rows.slice(0, 3));
    expect(connection.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: connection.edges[0]!.cursor,
      endCursor: connection.edges[2]!.cursor,
    });
    expect(decodeCursor(connection.pageInfo.endCursor)).toEqual({ createdAt: rows[2]!.createdAt, id: rows[2]!.id });
  });

  it('ends on the last page and on an empty one', () => {
    expect(toConnection(rows, 4).pageInfo).toEqual({
      hasNextPage: false,
      hasPreviousPage: false,
      startCursor: encodeCursor(rows[0]!),
      endCursor: encodeCursor(rows[3]!),
    });
    expect(toConnection([], 4)).toEqual({
      edges: [],
      pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    });
  });

  it('says a page reached through `after` has edges before it', () => {
    const after = encodeCursor(rows[0]!);
    expect(toConnection(rows.slice(1), 2, { after }).pageInfo).toMatchObject({
      hasPreviousPage: true,
      startCursor: encodeCursor(rows[1]!),
    });
    expect(toConnection(rows, 2, { after: null }).pageInfo.hasPreviousPage).toBe(false);
  });

  it('places rows by another time when told to, for lists ordered by it', () => {
    const trashed = rows.map((row, i) => ({ ...row, deletedAt: new Date(Date.UTC(2026, 5, 1, i)) }));
    const connection = toConnection(trashed, 2, (row) => ({ createdAt: row.deletedAt, id: row.id }), {
      after: 'a cursor',
    });
    expect(decodeCursor(connection.pageInfo.endCursor)).toEqual({
      createdAt: trashed[1]!.deletedAt,
      id: trashed[1]!.id,
    });
    expect(decodeCursor(connection.pageInfo.startCursor)).toEqual({
      createdAt: trashed[0]!.deletedAt,
      id: trashed[0]!.id,
    });
    expect(connection.pageInfo.hasPreviousPage).toBe(true);
  });
});
