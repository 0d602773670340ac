/** The events social publishes, with their payloads: what other subgraphs may know of social. */

/** Why someone should hear about an interaction. */
export type NotifyReason =
  | 'post_liked'
  | 'comment_liked'
  | 'post_commented'
  | 'comment_replied'
  | 'followed'
  | 'post_shared'
  | 'course_published'
  | 'stream_started';

/**
 * Who to tell, decided here because only social knows blocks and visibility: never the actor
 * themselves, never someone who blocked the actor or was blocked by them.
 */
export interface NotifyRequest {
  userId: string;
  reason: NotifyReason;
}

/** Something one user did that others may be told about. */
export interface Interaction {
  actorId: string;
  /** The post it concerns, for a link; null for a follow. */
  postId: string | null;
  /** The start of the text involved (the comment, or the post liked), for the message. */
  excerpt: string | null;
  notify: NotifyRequest[];
}

export type SocialEvents = {
  'social.post.created': Interaction & {
    postId: string;
    visibility: 'PUBLIC' | 'FOLLOWERS';
    sharedPostId: string | null;
  };
  'social.post.deleted': { postId: string; authorId: string; removedBy: string };
  'social.post.liked': Interaction & { postId: string };
  'social.comment.added': Interaction & { postId: string; commentId: string; parentId: string | null };
  'social.comment.liked': Interaction & { postId: string; commentId: string };
  'social.user.followed': Interaction & { followeeId: string };
  /**
   * An instructor's course was published for the first time (learning's event): their followers are
   * told, `excerpt` being its title. A large following is told in several events.
   */
  'social.course.announced': Interaction & { courseId: string };
  /**
   * Someone went live (live-sessions' event): their followers are told, `excerpt` being the stream's
   * title. A large following is told in several events.
   */
  'social.stream.announced': Interaction & { sessionId: string };
  'social.user.unfollowed': { followerId: string; followeeId: string };
  'social.user.blocked': { blockerId: string; blockedId: string };
  'social.user.unblocked': { blockerId: string; blockedId: string };
  /** Live: a post entered or left these users' home feeds (`feedUpdated`). Large audiences come in several events. */
  'social.feed.updated': { id: string; postId: string; recipientIds: string[] };
  /** Live: a post's counts or comments changed (`postActivity`). */
  'social.post.activity': { id: string; postId: string };
};
