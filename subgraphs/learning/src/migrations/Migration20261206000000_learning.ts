import { Migration } from '@mikro-orm/migrations';

export class Migration20261206000000_learning extends Migration {
  override async up() {
    const s = `"${this.config.get('schema')}"`;
    this.addSql(`create table ${s}.courses (
      id uuid primary key,
      slug text not null unique,
      instructor_id uuid not null,
      title text not null,
      subtitle text not null,
      description text not null,
      language text not null,
      level text not null check (level in ('BEGINNER', 'INTERMEDIATE', 'ADVANCED', 'ALL')),
      category text,
      status text not null check (status in ('DRAFT', 'PUBLISHED', 'ARCHIVED')),
      price_amount integer check (price_amount > 0),
      currency text,
      product_id uuid unique,
      enrollment_count integer not null default 0,
      created_at timestamptz not null,
      updated_at timestamptz not null,
      published_at timestamptz,
      search tsvector generated always as (
        setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', subtitle), 'B') ||
        setweight(to_tsvector('simple', description), 'C')) stored,
      check ((price_amount is null) = (currency is null))
    )`);
    this.addSql(`create index courses_by_instructor on ${s}.courses (instructor_id, created_at desc, id desc)`);
    this.addSql(`create index courses_published on ${s}.courses (created_at desc, id desc) where status = 'PUBLISHED'`);
    this.addSql(`create index courses_search on ${s}.courses using gin (search)`);
    this.addSql(`create table ${s}.sections (
      id uuid primary key,
      course_id uuid not null references ${s}.courses (id) on delete cascade,
      title text not null,
      position integer not null,
      created_at timestamptz not null
    )`);
    this.addSql(`create index sections_by_course on ${s}.sections (course_id, position)`);
    this.addSql(`create table ${s}.lectures (
      id uuid primary key,
      course_id uuid not null references ${s}.courses (id) on delete cascade,
      section_id uuid not null references ${s}.sections (id) on delete cascade,
      title text not null,
      kind text not null check (kind in ('VIDEO', 'ARTICLE')),
      position integer not null,
      is_free_preview boolean not null,
      body text,
      duration_seconds integer,
      video_file_id uuid,
      video_status text check (video_status in ('QUEUED', 'PROCESSING', 'READY', 'FAILED')),
      video_progress double precision not null default 0,
      video_failure_reason text,
      video_job_id uuid,
      video_key text,
      created_at timestamptz not null,
      updated_at timestamptz not null
    )`);
    this.addSql(`create index lectures_by_section on ${s}.lectures (section_id, position)`);
    this.addSql(`create index lectures_by_course on ${s}.lectures (course_id)`);
    this.addSql(`create table ${s}.enrollments (
      id uuid primary key,
      course_id uuid not null references ${s}.courses (id),
      user_id uuid not null,
      source text not null check (source in ('FREE', 'PURCHASE')),
      status text not null check (status in ('ACTIVE', 'ENDED')),
      order_id uuid,
      created_at timestamptz not null,
      ended_at timestamptz,
      unique (course_id, user_id)
    )`);
    this.addSql(`create index enrollments_by_user on ${s}.enrollments (user_id, created_at desc, id desc)`);
    this.addSql(`create index enrollments_by_order on ${s}.enrollments (order_id) where order_id is not null`);
  }
}
