import type { Cache } from '@peerlink/platform/cache/cache';

/** Marks a timeline rebuilt from Postgres: sorts after every id, so it never shows in a page. */
const COMPLETE = '~';
/** Marks a rebuild under way, so fan-out writes during it are kept; sorts before every id. */
const BUILDING = '!';
/** A timeline nobody reads expires; the next read rebuilds it. */
const TTL_SECONDS = 7 * 24 * 3600;
const BUILD_TTL_SECONDS = 60;

/**
 * Home timelines in the cache (Redis, or memory in embedded mode): per user, the ids of the
 * newest posts of the people they follow, ordered by id (ids are time-ordered). It is a read
 * model: Postgres is the truth, a missing timeline is rebuilt from it, and readers still check
 * every post they show, so a stale entry can hide nothing and show nothing it should not.
 */
export class Timelines {
  constructor(
    private readonly cache: Cache,
    /** Posts kept per timeline; older pages come from Postgres. */
    readonly length: number,
  ) {}

  private key = (userId: string) => `social:timeline:${userId}`;

  isComplete(userId: string): Promise<boolean> {
    return this.cache.sortedHas(this.key(userId), COMPLETE);
  }

  /**
   * Rebuilds a timeline from `load` (the newest post ids, from Postgres). The BUILDING marker
   * creates the key first, so a post fanned out while `load` runs is added, not skipped; and if
   * the timeline is dropped meanwhile (a follow changed whose posts it holds), the key is gone and
   * this stale rebuild writes nothing.
   */
  async rebuild(userId: string, load: () => Promise<string[]>): Promise<void> {
    const key = this.key(userId);
    await this.cache.sortedAdd([key], [BUILDING], { ttlSeconds: BUILD_TTL_SECONDS });
    const ids = await load();
    await this.cache.sortedAdd([key], [...ids, COMPLETE], {
      keep: this.length + 1,
      ttlSeconds: TTL_SECONDS,
      onlyIfExists: true,
    });
    await this.cache.sortedRemove([key], [BUILDING]);
  }

  /** Up to `limit` post ids, newest first, older than `below` when given. */
  page(userId: string, below: string | null, limit: number): Promise<string[]> {
    return this.cache.sortedRange(this.key(userId), { below: below ?? COMPLETE, above: BUILDING, limit });
  }

  /** Fan-out: the post enters every given timeline that exists; missing ones get it when rebuilt. */
  add(userIds: string[], postId: string): Promise<void> {
    return this.cache.sortedAdd(userIds.map(this.key), [postId], { keep: this.length + 1, onlyIfExists: true });
  }

  remove(userIds: string[], postIds: string[]): Promise<void> {
    return this.cache.sortedRemove(userIds.map(this.key), postIds);
  }

  /** Forgets a timeline whose people changed (a follow, an unfollow, a block): the next read rebuilds it. */
  async drop(...userIds: string[]): Promise<void> {
    for (const userId of userIds) await this.cache.delete(this.key(userId));
  }
}
