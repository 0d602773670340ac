import type { EntityManager } from '@mikro-orm/postgresql';
import { holdsRole, requireRole } from '@peerlink/platform/auth/roles';
import { requireViewer, type Viewer } from '@peerlink/platform/auth/viewer';
import { lockRow, rows, table } from '@peerlink/platform/db/sql';
import type { Orm } from '@peerlink/platform/db/database';
import { AppError, badInput, forbidden, notFound } from '@peerlink/platform/errors';
import type { Outbox, Publish } from '@peerlink/platform/events/outbox';
import { checkPrice } from '@peerlink/platform/graphql/money';
import { decodeCursor, pageSize, toConnection } from '@peerlink/platform/graphql/pagination';
import { uuidv7 } from '@peerlink/platform/ids';
import { line, optionalText, prose, text } from '@peerlink/platform/text';
import type { LearningEvents } from '@peerlink/contracts/learning';
import { randomBytes } from 'node:crypto';
import { mayEdit, teaches } from './access.js';
import { Course, type CourseLevel, CourseStatus } from './course.entity.js';
import { Lecture, LectureKind, VideoStatus } from './curriculum.entity.js';
import type { LearningLoaders } from './loaders.js';

export interface CourseInput {
  title?: string | null;
  subtitle?: string | null;
  description?: string | null;
  language?: string | null;
  level?: CourseLevel | null;
  category?: string | null;
  /** Both, or `free: true`. */
  priceAmount?: number | null;
  currency?: string | null;
  free?: boolean | null;
}

export interface CourseFilter {
  search?: string | null;
  category?: string | null;
  level?: CourseLevel | null;
  instructorId?: string | null;
  free?: boolean | null;
}

const TITLE = line('A title', 200);
const SUBTITLE = line('A subtitle', 300, 0);
const DESCRIPTION = prose('A description', 20_000, 0);
const CATEGORY = line('A category', 80);

/** "Intro to Rust, 2nd ed." → "intro-to-rust-2nd-ed". */
export function slugOf(title: string): string {
  const base = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return base || 'course';
}

/** What a course still needs before it can be published, in words an instructor can act on; empty when none. */
export function missingForPublication(course: Course, lectures: Lecture[]): string[] {
  const missing: string[] = [];
  if (!course.title.trim()) missing.push('a title');
  if (lectures.length === 0) missing.push('at least one lecture');
  for (const lecture of lectures) {
    if (lecture.kind === LectureKind.VIDEO && lecture.videoStatus !== VideoStatus.READY)
      missing.push(`a ready video for “${lecture.title}”`);
    if (lecture.kind === LectureKind.ARTICLE && !lecture.body?.trim()) missing.push(`text for “${lecture.title}”`);
  }
  return missing;
}

/** The course, its row locked until the transaction ends: changes to one course run one at a time. */
export async function locked(em: EntityManager, id: string): Promise<Course> {
  await lockRow(em, 'courses', id);
  return em.findOneOrFail(Course, id, { refresh: true });
}

/** Courses: instructors make and publish their own; everyone browses the published ones. */
export class CourseService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox<LearningEvents>,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  async visible(id: string, loaders: LearningLoaders): Promise<Course> {
    const course = await loaders.visibleCourse(id);
    if (!course) throw notFound('Course');
    return course;
  }

  async bySlug(slug: string, loaders: LearningLoaders): Promise<Course> {
    const found = await this.em.findOne(Course, { slug: slug.toLowerCase() }, { refresh: true });
    if (!found) throw notFound('Course');
    return this.visible(found.id, loaders);
  }

  /** The course, if the viewer may change it now (its instructor, still holding the role). */
  async editable(viewer: Viewer, id: string, loaders: LearningLoaders): Promise<Course> {
    const course = await this.visible(id, loaders);
    if (!teaches(viewer, course)) throw forbidden('Only its instructor can change a course.');
    requireRole(viewer, 'INSTRUCTOR', 'Only instructors change courses.');
    return course;
  }

  async create(viewer: Viewer, input: CourseInput): Promise<Course> {
    requireRole(viewer, 'INSTRUCTOR', 'Only instructors create courses.');
    const title = text(input.title ?? '', 'title', TITLE);
    const course = this.em.create(Course, { slug: await this.freeSlug(title), instructorId: viewer.userId, title });
    this.apply(course, input);
    await this.em.flush();
    return course;
  }

  /** Only what is given changes; a published course's listing follows (marketplace hears of it). */
  async update(viewer: Viewer, id: string, input: CourseInput, loaders: LearningLoaders): Promise<Course> {
    await this.editable(viewer, id, loaders);
    return this.outbox.transaction(async (em, publish) => {
      const course = await locked(em, id);
      if (course.status === CourseStatus.ARCHIVED) throw badInput('An archived course cannot change.', 'id');
      if (input.title != null) course.title = text(input.title, 'title', TITLE);
      this.apply(course, input);
      course.updatedAt = new Date();
      if (course.status === CourseStatus.PUBLISHED) this.announce(course, publish, false);
      return course;
    });
  }

  /** Checks the course is complete, then opens it (and lists a paid one in the marketplace). */
  async publish(viewer: Viewer, id: string, loaders: LearningLoaders): Promise<Course> {
    await this.editable(viewer, id, loaders);
    return this.outbox.transaction(async (em, publish) => {
      const course = await locked(em, id);
      if (course.status !== CourseStatus.DRAFT) throw badInput('Only a draft can be published.', 'id');
      const missing = missingForPublication(course, await em.find(Lecture, { courseId: id }));
      if (missing.length)
        throw new AppError('BAD_USER_INPUT', `The course cannot be published yet: it needs ${missing.join('; ')}.`, {
          field: 'id',
          missing,
        });
      course.status = CourseStatus.PUBLISHED;
      course.publishedAt ??= new Date();
      course.updatedAt = new Date();
      if (!course.free) course.productId ??= uuidv7();
      this.announce(course, publish, true);
      return course;
    });
  }

  /** Its instructor or an admin withdraws it: no new students, and its product goes off sale. */
  async archive(viewer: Viewer, id: string, loaders: LearningLoaders): Promise<Course> {
    const current = requireViewer(viewer);
    const seen = await this.visible(id, loaders);
    if (!mayEdit(current, seen) && !holdsRole(current, 'ADMIN'))
      throw forbidden('Only its instructor or an admin can archive a course.');
    return this.outbox.transaction(async (em, publish) => {
      const course = await locked(em, id);
      if (course.status === CourseStatus.ARCHIVED) return course;
      course.status = CourseStatus.ARCHIVED;
      course.updatedAt = new Date();
      publish('learning.course.archived', {
        courseId: course.id,
        instructorId: course.instructorId,
        productId: course.productId,
      });
      return course;
    });
  }

  /**
   * Newest first. Published courses only, except an instructor's own list (`instructorId` = the
   * viewer) and an admin's, which hold drafts and archived ones too.
   */
  async search(viewer: Viewer | null, filter: CourseFilter, first?: number | null, after?: string | null) {
    const size = pageSize(first);
    const cursor = decodeCursor(after);
    const where: string[] = [];
    const params: unknown[] = [];
    const everyStatus = holdsRole(viewer, 'ADMIN') || (!!filter.instructorId && filter.instructorId === viewer?.userId);
    if (!everyStatus) where.push(`status = 'PUBLISHED'`);
    if (filter.instructorId) where.push('instructor_id = ?') && params.push(filter.instructorId);
    if (filter.category) where.push('lower(category) = lower(?)') && params.push(filter.category.trim());
    if (filter.level) where.push('level = ?') && params.push(filter.level);
    if (filter.free != null) where.push(filter.free ? 'price_amount is null' : 'price_amount is not null');
    const words = optionalText(filter.search, 'search', line('A search', 200, 0));
    if (words) where.push(`search @@ websearch_to_tsquery('simple', ?)`) && params.push(words);
    if (cursor) where.push('(created_at, id) < (?, ?)') && params.push(cursor.createdAt, cursor.id);
    const found = await rows<Record<string, unknown>>(
      this.em,
      `select * from ${table(this.em, 'courses')} ${where.length ? `where ${where.join(' and ')}` : ''}
       order by created_at desc, id desc limit ${size + 1}`,
      params,
    );
    return toConnection(
      found.map((row) => this.em.map(Course, row)),
      size,
      { after },
    );
  }

  private apply(course: Course, input: CourseInput) {
    if (input.subtitle != null) course.subtitle = text(input.subtitle, 'subtitle', SUBTITLE);
    if (input.description != null) course.description = text(input.description, 'description', DESCRIPTION);
    if (input.language != null) {
      if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(input.language.trim()))
        throw badInput('A language is a tag such as "en" or "pt-BR".', 'language');
      course.language = input.language.trim();
    }
    if (input.level != null) course.level = input.level;
    if (input.category !== undefined) course.category = optionalText(input.category, 'category', CATEGORY);
    if (input.free && (input.priceAmount != null || input.currency != null))
      throw badInput('A free course has no price.', 'priceAmount');
    if (input.free) {
      if (course.productId) throw badInput('A course sold in the marketplace stays paid; archive it instead.', 'free');
      course.priceAmount = null;
      course.currency = null;
    } else if (input.priceAmount != null || input.currency != null) {
      const price = checkPrice(
        input.priceAmount ?? course.priceAmount ?? NaN,
        input.currency ?? course.currency ?? '',
        'priceAmount',
        'currency',
      );
      course.priceAmount = price.amount;
      course.currency = price.currency;
    }
  }

  private announce(course: Course, publish: Publish<LearningEvents>, firstTime: boolean) {
    publish('learning.course.published', {
      courseId: course.id,
      instructorId: course.instructorId,
      slug: course.slug,
      title: course.title,
      subtitle: course.subtitle,
      productId: course.productId,
      priceAmount: course.priceAmount,
      currency: course.currency,
      firstTime,
    });
  }

  /** The title's slug, with a random tail when another course has it. */
  private async freeSlug(title: string): Promise<string> {
    const base = slugOf(title);
    const taken = await this.em.count(Course, { slug: base });
    return taken ? `${base}-${randomBytes(3).toString('hex')}` : base;
  }
}
