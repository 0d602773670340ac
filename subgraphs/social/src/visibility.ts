import { prose } from '@peerlink/platform/text';

/**
 * Who may see what. Pure rules, so the same answer comes from feeds, lookups, comments and live
 * events alike.
 */

export type PostVisibility = 'PUBLIC' | 'FOLLOWERS';

/** How the viewer stands towards one other user. */
export interface Relation {
  /** The viewer follows them. */
  follows: boolean;
  /** They follow the viewer. */
  followedBy: boolean;
  /** The viewer blocked them. */
  blocks: boolean;
  /** They blocked the viewer. */
  blockedBy: boolean;
}

export const NO_RELATION: Relation = { follows: false, followedBy: false, blocks: false, blockedBy: false };

export interface ViewerStanding {
  /** null for an anonymous caller. */
  userId: string | null;
  /**
   * Moderators and admins review everything that has not been removed. Read last (a getter may
   * check the role only then, and say SERVICE_UNAVAILABLE when it cannot be confirmed).
   */
  readonly moderates: boolean;
}

export interface PostFacts {
  authorId: string;
  visibility: PostVisibility;
  deletedAt: Date | null;
}

/** A block hides both people's posts and comments from each other. */
export const blockedEitherWay = (relation: Relation) => relation.blocks || relation.blockedBy;

export function canSeePost(post: PostFacts, viewer: ViewerStanding, relation: Relation): boolean {
  if (post.deletedAt) return false;
  if (post.authorId === viewer.userId) return true;
  if (!blockedEitherWay(relation) && (post.visibility === 'PUBLIC' || (viewer.userId !== null && relation.follows)))
    return true;
  return viewer.moderates;
}

/** A comment is seen by whoever sees its post, unless it was removed or its author and the viewer are blocked. */
export function canSeeComment(
  comment: { authorId: string; deletedAt: Date | null },
  viewer: ViewerStanding,
  authorRelation: Relation,
): boolean {
  if (comment.deletedAt) return false;
  if (comment.authorId === viewer.userId || !blockedEitherWay(authorRelation)) return true;
  return viewer.moderates;
}

/** Whether `recipientId` should hear that `actorId` did something: never about oneself, never across a block. */
export function shouldNotify(actorId: string, recipientId: string, relation: Relation): boolean {
  return actorId !== recipientId && !blockedEitherWay(relation);
}

export const MAX_POST_LENGTH = 5000;
export const MAX_COMMENT_LENGTH = 2000;
export const MAX_REPORT_REASON_LENGTH = 500;

/** Trims text and checks its length; `min` 0 allows empty text (a share without words). */
/** What people write here: a post (a share may come with no words of its own), a comment, a report's reason. */
export const POST = prose('The post', MAX_POST_LENGTH);
export const SHARE_NOTE = prose('The post', MAX_POST_LENGTH, 0);
export const COMMENT = prose('The comment', MAX_COMMENT_LENGTH);
export const REPORT_REASON = prose('The reason', MAX_REPORT_REASON_LENGTH);
