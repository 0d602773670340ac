import { Migration } from '@mikro-orm/migrations';

export class Migration20261122100000_social extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.members (
      user_id uuid primary key,
      username text not null,
      display_name text not null,
      follower_count integer not null default 0,
      following_count integer not null default 0,
      joined_at timestamptz not null,
      last_event_id uuid not null
    )`);
    // The fan-out limit is read as "members above N followers": a handful of rows.
    this.addSql(`create index members_by_followers on ${s}.members (follower_count)`);
    this.addSql(`create table ${s}.follows (
      follower_id uuid not null,
      followee_id uuid not null,
      created_at timestamptz not null,
      primary key (follower_id, followee_id)
    )`);
    this.addSql(`create index follows_followers on ${s}.follows (followee_id, follower_id)`);
    this.addSql(
      `create index follows_followers_recent on ${s}.follows (followee_id, created_at desc, follower_id desc)`,
    );
    this.addSql(
      `create index follows_following_recent on ${s}.follows (follower_id, created_at desc, followee_id desc)`,
    );
    this.addSql(`create table ${s}.blocks (
      blocker_id uuid not null,
      blocked_id uuid not null,
      created_at timestamptz not null,
      primary key (blocker_id, blocked_id)
    )`);
    this.addSql(`create index blocks_by_blocked on ${s}.blocks (blocked_id, blocker_id)`);
    this.addSql(`create table ${s}.posts (
      id uuid primary key,
      author_id uuid not null,
      body text not null,
      visibility text not null check (visibility in ('PUBLIC', 'FOLLOWERS')),
      shared_post_id uuid references ${s}.posts (id),
      created_at timestamptz not null,
      edited_at timestamptz,
      deleted_at timestamptz,
      deleted_by uuid,
      like_count integer not null default 0,
      comment_count integer not null default 0,
      share_count integer not null default 0
    )`);
    // Feeds and profiles read one author's newest live posts: one index range per author.
    this.addSql(`create index posts_by_author on ${s}.posts (author_id, id desc) where deleted_at is null`);
    this.addSql(`create table ${s}.comments (
      id uuid primary key,
      post_id uuid not null references ${s}.posts (id),
      author_id uuid not null,
      parent_id uuid references ${s}.comments (id),
      body text not null,
      created_at timestamptz not null,
      edited_at timestamptz,
      deleted_at timestamptz,
      like_count integer not null default 0,
      reply_count integer not null default 0
    )`);
    this.addSql(`create index comments_thread on ${s}.comments (post_id, parent_id, id) where deleted_at is null`);
    this.addSql(`create index comments_replies on ${s}.comments (parent_id) where parent_id is not null`);
    this.addSql(`create table ${s}.post_likes (
      post_id uuid not null references ${s}.posts (id),
      user_id uuid not null,
      created_at timestamptz not null,
      primary key (post_id, user_id)
    )`);
    this.addSql(`create index post_likes_by_user on ${s}.post_likes (user_id, post_id)`);
    this.addSql(`create table ${s}.comment_likes (
      comment_id uuid not null references ${s}.comments (id),
      user_id uuid not null,
      created_at timestamptz not null,
      primary key (comment_id, user_id)
    )`);
    this.addSql(`create index comment_likes_by_user on ${s}.comment_likes (user_id, comment_id)`);
    this.addSql(`create table ${s}.reports (
      id uuid primary key,
      post_id uuid not null references ${s}.posts (id),
      reporter_id uuid not null,
      reason text not null,
      created_at timestamptz not null,
      resolved_at timestamptz,
      resolution text,
      unique (post_id, reporter_id)
    )`);
    this.addSql(`create index reports_open on ${s}.reports (post_id, created_at desc) where resolved_at is null`);
  }
}
