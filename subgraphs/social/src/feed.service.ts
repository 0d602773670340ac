import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import type { Logger } from '@peerlink/platform/logger';
import { decodeCursor, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import type { SocialLoaders } from './loaders.js';
import { Post } from './post.entity.js';
import { rows, table, uuidArray } from '@peerlink/platform/db/sql';
import type { Timelines } from './timeline.js';

/** Extra candidates read per page, so a post hidden since it was fanned out does not shorten the page. */
const SLACK = 5;
/** How long the list of accounts too big to fan out is reused before it is read again. */
const LARGE_ACCOUNTS_TTL_MS = 30_000;

/**
 * The home feed: the viewer's own posts and those of the people they follow, newest first.
 *
 * Reads come from the viewer's cached timeline (fan-out on write keeps it current), merged with
 * the newest posts of followed accounts too large to fan out, and continued from Postgres past
 * the timeline's end. Every candidate is then checked against the database (still there, still
 * followed, still visible), so the cache decides only what is fast, never what is seen.
 */
export class FeedService {
  private largeAccounts: { ids: Promise<string[]>; readAt: number } | null = null;

  constructor(
    private readonly orm: Orm,
    readonly timelines: Timelines,
    /** Accounts with more followers are merged at read time instead of fanned out. */
    readonly fanoutMaxFollowers: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Readers merge accounts from half the fan-out limit up: an account that falls back below the
   * limit is fanned out again, but the posts it wrote while above it were not, and merging keeps
   * them in feeds until it has shrunk well past the limit.
   */
  private get mergeAbove() {
    return Math.floor(this.fanoutMaxFollowers / 2);
  }

  private get em() {
    return this.orm.em as EntityManager;
  }

  async page(
    viewer: Viewer,
    first: number | null | undefined,
    after: string | null | undefined,
    loaders: SocialLoaders,
  ) {
    const size = pageSize(first);
    let below = decodeCursor(after)?.id ?? null;
    const posts: Post[] = [];
    // Rounds come up short only when posts were hidden since they were fanned out; a few suffice.
    for (let round = 0; round < 3 && posts.length <= size; round++) {
      const want = size + 1 - posts.length + SLACK;
      const candidates = await this.candidates(viewer.userId, below, want);
      posts.push(...(await this.visibleInFeed(viewer, candidates, loaders)));
      if (candidates.length < want) break;
      below = candidates.at(-1)!;
    }
    return toConnection(posts.slice(0, size + 1), size, { after });
  }

  /**
   * Up to `want` post ids older than `below`, newest first: the cached timeline, continued from
   * Postgres past its end, merged with the followed accounts too large to fan out. Without the
   * cache, Postgres alone answers.
   */
  private async candidates(viewerId: string, below: string | null, want: number): Promise<string[]> {
    const cached = await this.cachedPage(viewerId, below, want).catch((err) => {
      this.logger.warn({ err, viewerId }, 'timeline cache unavailable; reading the feed from Postgres');
      return null;
    });
    if (!cached) return this.newestPostIds(viewerId, below, want, 'all');
    const [older, large] = await Promise.all([
      cached.length < want ? this.newestPostIds(viewerId, cached.at(-1) ?? below, want - cached.length, 'all') : [],
      this.followedLargeAccounts(viewerId),
    ]);
    const merged = large.length ? await this.postIdsOf(large, below, want) : [];
    return [...new Set([...cached, ...older, ...merged])].sort().reverse().slice(0, want);
  }

  private async cachedPage(viewerId: string, below: string | null, want: number): Promise<string[]> {
    if (!(await this.timelines.isComplete(viewerId))) {
      await this.timelines.rebuild(viewerId, () =>
        this.newestPostIds(viewerId, null, this.timelines.length, 'fanned-out'),
      );
    }
    return this.timelines.page(viewerId, below, want);
  }

  /**
   * The newest post ids from the viewer and the people they follow (`all`), or only those whose
   * posts are fanned out (`fanned-out`, what a cached timeline holds). One index range per author.
   */
  newestPostIds(
    viewerId: string,
    below: string | null,
    limit: number,
    authors: 'all' | 'fanned-out',
  ): Promise<string[]> {
    const follows = table(this.em, 'follows');
    const members = table(this.em, 'members');
    const followed =
      authors === 'all'
        ? `select followee_id from ${follows} where follower_id = ?`
        : `select f.followee_id from ${follows} f join ${members} m on m.user_id = f.followee_id
           where f.follower_id = ? and m.follower_count <= ${Number(this.mergeAbove)}`;
    return this.idsByAuthors(`select ?::uuid as author_id union all ${followed}`, [viewerId, viewerId], below, limit);
  }

  /** Followers of an author, for fan-out, in pages so a large audience never sits in memory at once. */
  async *followersOf(authorId: string, pageSize = 5000): AsyncGenerator<string[]> {
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const page = await rows<{ id: string }>(
        this.em,
        `select follower_id as id from ${table(this.em, 'follows')} where followee_id = ? and follower_id > ` +
          `? order by follower_id limit ?`,
        [authorId, after, pageSize],
      );
      if (page.length) yield page.map((r) => r.id);
      if (page.length < pageSize) return;
      after = page.at(-1)!.id;
    }
  }

  async followerCount(userId: string): Promise<number> {
    const [member] = await rows<{ follower_count: number }>(
      this.em,
      `select follower_count from ${table(this.em, 'members')} where user_id = ?`,
      [userId],
    );
    return member?.follower_count ?? 0;
  }

  private postIdsOf(authorIds: string[], below: string | null, limit: number) {
    return this.idsByAuthors(`select unnest(?::uuid[]) as author_id`, [uuidArray(authorIds)], below, limit);
  }

  private async idsByAuthors(
    authorsSql: string,
    params: unknown[],
    below: string | null,
    limit: number,
  ): Promise<string[]> {
    const found = await rows<{ id: string }>(
      this.em,
      `select p.id from (${authorsSql}) a
       cross join lateral (
         select id from ${table(this.em, 'posts')}
         where author_id = a.author_id and deleted_at is null ${below ? 'and id < ?' : ''}
         order by id desc limit ?
       ) p
       order by p.id desc limit ?`,
      [...params, ...(below ? [below] : []), limit, limit],
    );
    return found.map((r) => r.id);
  }

  /** Followed accounts whose posts are not fanned out; the list of such accounts is small and shared. */
  private async followedLargeAccounts(viewerId: string): Promise<string[]> {
    if (!this.largeAccounts || Date.now() - this.largeAccounts.readAt > LARGE_ACCOUNTS_TTL_MS) {
      const ids = rows<{ user_id: string }>(
        this.em,
        `select user_id from ${table(this.em, 'members')} where follower_count > ?`,
        [this.mergeAbove],
      ).then((found) => found.map((r) => r.user_id));
      this.largeAccounts = { ids, readAt: Date.now() };
      ids.catch(() => (this.largeAccounts = null));
    }
    const large = await this.largeAccounts.ids;
    if (!large.length) return [];
    const followed = await rows<{ id: string }>(
      this.em,
      `select followee_id as id from ${table(this.em, 'follows')} where follower_id = ? and followee_id = ` +
        `any(?::uuid[])`,
      [viewerId, uuidArray(large)],
    );
    return followed.map((r) => r.id);
  }

  /**
   * Posts that belong in the viewer's feed now: not removed, and by the viewer or someone they
   * follow (a block ends follows, and followers may see FOLLOWERS-only posts). One query for the
   * page; the rows also prime the request's post loader for the fields resolved next.
   */
  private async visibleInFeed(viewer: Viewer, ids: string[], loaders: SocialLoaders): Promise<Post[]> {
    if (!ids.length) return [];
    const found = await rows<Record<string, unknown>>(
      this.em,
      `select p.* from ${table(this.em, 'posts')} p
       where p.id = any(?::uuid[]) and p.deleted_at is null
         and (p.author_id = ? or exists (
           select 1 from ${table(this.em, 'follows')} f where f.follower_id = ? and f.followee_id = p.author_id))
       order by p.id desc`,
      [uuidArray(ids), viewer.userId, viewer.userId],
    );
    const posts = found.map((row) => this.em.map(Post, row));
    for (const post of posts) loaders.post.prime(post.id, post);
    return posts;
  }
}
