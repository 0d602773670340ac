import type { EntityManager } from '@mikro-orm/postgresql';
import { lockKey, rows, table, uuidArray } from '@peerlink/platform/db/sql';
import type { ViewerStanding } from './visibility.js';

/**
 * Everything that depends on whether two people block each other (follows, blocks, likes, comments)
 * takes the pair's lock first, so a block and what it forbids happen one after the other, never
 * interleaved. Several pairs are locked in one order, so two such transactions cannot deadlock.
 */
export async function lockPairs(em: EntityManager, userId: string, others: string[]): Promise<void> {
  const keys = [
    ...new Set(others.filter((other) => other !== userId).map((other) => [userId, other].sort().join(':'))),
  ].sort();
  for (const key of keys) await lockKey(em, key);
}

/** Read under the pair's lock: a block committed since the caller's earlier check counts. */
export async function blockedWithAny(em: EntityManager, userId: string, others: string[]): Promise<boolean> {
  const found = await rows(
    em,
    `select 1 from ${table(em, 'blocks')} where (blocker_id = ? and blocked_id = any(?::uuid[])) or ` +
      `(blocked_id = ? and blocker_id = any(?::uuid[])) limit 1`,
    [userId, uuidArray(others), userId, uuidArray(others)],
  );
  return found.length > 0;
}

/**
 * For an interaction with others' posts or comments (a like, a comment, a share): takes the pairs'
 * locks and, if a block has been committed since the thing was read, answers as if it had gone, as
 * it now has for the viewer. Moderators see past blocks, as they do everywhere.
 */
export async function refuseAcrossBlocks(
  em: EntityManager,
  viewer: ViewerStanding,
  others: string[],
  gone: () => Error,
): Promise<void> {
  if (viewer.moderates || !viewer.userId) return;
  await lockPairs(em, viewer.userId, others);
  if (await blockedWithAny(em, viewer.userId, others)) throw gone();
}
