import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Orm } from '@peerlink/platform/db/database';
import { badInput, notFound } from '@peerlink/platform/errors';
import { table } from '@peerlink/platform/db/sql';
import { isUuid } from '@peerlink/platform/ids';
import { line, prose, text } from '@peerlink/platform/text';
import type { CourseService } from './course.service.js';
import { locked } from './course.service.js';
import { Lecture, LectureKind, Section } from './curriculum.entity.js';
import type { LearningLoaders } from './loaders.js';

export interface LectureInput {
  title?: string | null;
  kind?: LectureKind | null;
  isFreePreview?: boolean | null;
  body?: string | null;
  durationSeconds?: number | null;
  /** Moves the lecture to the end of another section of the same course. */
  sectionId?: string | null;
}

export const MAX_SECTIONS = 100;
export const MAX_LECTURES = 1000;
const SECTION_TITLE = line('A section title', 200);
const LECTURE_TITLE = line('A lecture title', 200);
const BODY = prose('An article', 100_000);

/** The ids given are exactly the ones there are, each once: a reorder names everything, or nothing moves. */
export function isPermutation(given: readonly string[], existing: readonly string[]): boolean {
  const wanted = new Set(given.map((id) => id.toLowerCase()));
  return wanted.size === given.length && given.length === existing.length && existing.every((id) => wanted.has(id));
}

/**
 * Sections and lectures, kept in order. Every change locks its course, so two editors' reorders
 * never interleave into duplicate positions.
 */
export class CurriculumService {
  constructor(
    private readonly orm: Orm,
    private readonly courses: CourseService,
  ) {}

  private get em() {
    return this.orm.em as EntityManager;
  }

  async addSection(viewer: Viewer, courseId: string, title: string, loaders: LearningLoaders): Promise<Section> {
    await this.courses.editable(viewer, courseId, loaders);
    const checked = text(title, 'title', SECTION_TITLE);
    return this.em.transactional(async (em) => {
      await locked(em, courseId);
      const count = await em.count(Section, { courseId });
      if (count >= MAX_SECTIONS) throw badInput(`A course has at most ${MAX_SECTIONS} sections.`, 'courseId');
      return em.create(Section, { courseId, title: checked, position: count });
    });
  }

  async renameSection(viewer: Viewer, id: string, title: string, loaders: LearningLoaders): Promise<Section> {
    const section = await this.section(viewer, id, loaders);
    section.title = text(title, 'title', SECTION_TITLE);
    await this.em.flush();
    return section;
  }

  /** Removes the section and its lectures. */
  async removeSection(viewer: Viewer, id: string, loaders: LearningLoaders): Promise<boolean> {
    const section = await this.section(viewer, id, loaders);
    await this.em.transactional(async (em) => {
      await locked(em, section.courseId);
      await em.nativeDelete(Section, { id: section.id });
      await renumber(em, 'sections', 'course_id', section.courseId);
    });
    return true;
  }

  async reorderSections(viewer: Viewer, courseId: string, ids: string[], loaders: LearningLoaders) {
    await this.courses.editable(viewer, courseId, loaders);
    return this.em.transactional(async (em) => {
      await locked(em, courseId);
      const sections = await em.find(Section, { courseId }, { orderBy: { position: 'asc' } });
      if (
        !isPermutation(
          ids,
          sections.map((s) => s.id),
        )
      )
        throw badInput('Name every section of the course once, in the new order.', 'sectionIds');
      const at = new Map(ids.map((id, i) => [id.toLowerCase(), i]));
      for (const section of sections) section.position = at.get(section.id)!;
      return sections.sort((a, b) => a.position - b.position);
    });
  }

  async addLecture(viewer: Viewer, sectionId: string, input: LectureInput, loaders: LearningLoaders) {
    const section = await this.section(viewer, sectionId, loaders);
    if (!input.kind) throw badInput('Say whether the lecture is a VIDEO or an ARTICLE.', 'kind');
    const kind = input.kind;
    const title = text(input.title ?? '', 'title', LECTURE_TITLE);
    return this.em.transactional(async (em) => {
      await locked(em, section.courseId);
      if ((await em.count(Lecture, { courseId: section.courseId })) >= MAX_LECTURES)
        throw badInput(`A course has at most ${MAX_LECTURES} lectures.`, 'sectionId');
      const position = await em.count(Lecture, { sectionId });
      const lecture = em.create(Lecture, { courseId: section.courseId, sectionId, title, kind, position });
      this.apply(lecture, input);
      return lecture;
    });
  }

  async updateLecture(viewer: Viewer, id: string, input: LectureInput, loaders: LearningLoaders) {
    const lecture = await this.lecture(viewer, id, loaders);
    if (input.kind && input.kind !== lecture.kind) throw badInput('A lecture’s kind cannot change.', 'kind');
    return this.em.transactional(async (em) => {
      await locked(em, lecture.courseId);
      const current = await em.findOneOrFail(Lecture, id, { refresh: true });
      if (input.title != null) current.title = text(input.title, 'title', LECTURE_TITLE);
      this.apply(current, input);
      if (input.sectionId && input.sectionId.toLowerCase() !== current.sectionId) {
        const target = await em.findOne(Section, { id: input.sectionId.toLowerCase(), courseId: current.courseId });
        if (!target) throw badInput('Move a lecture only to a section of its own course.', 'sectionId');
        const from = current.sectionId;
        // Counted before the move: a query flushes pending changes first.
        const position = await em.count(Lecture, { sectionId: target.id });
        current.sectionId = target.id;
        current.position = position;
        await em.flush();
        await renumber(em, 'lectures', 'section_id', from);
      }
      current.updatedAt = new Date();
      return current;
    });
  }

  async removeLecture(viewer: Viewer, id: string, loaders: LearningLoaders): Promise<boolean> {
    const lecture = await this.lecture(viewer, id, loaders);
    await this.em.transactional(async (em) => {
      await locked(em, lecture.courseId);
      await em.nativeDelete(Lecture, { id: lecture.id });
      await renumber(em, 'lectures', 'section_id', lecture.sectionId);
    });
    return true;
  }

  async reorderLectures(viewer: Viewer, sectionId: string, ids: string[], loaders: LearningLoaders) {
    const section = await this.section(viewer, sectionId, loaders);
    return this.em.transactional(async (em) => {
      await locked(em, section.courseId);
      const lectures = await em.find(Lecture, { sectionId }, { orderBy: { position: 'asc' }, refresh: true });
      if (
        !isPermutation(
          ids,
          lectures.map((l) => l.id),
        )
      )
        throw badInput('Name every lecture of the section once, in the new order.', 'lectureIds');
      const at = new Map(ids.map((id, i) => [id.toLowerCase(), i]));
      for (const lecture of lectures) lecture.position = at.get(lecture.id)!;
      return lectures.sort((a, b) => a.position - b.position);
    });
  }

  /** A lecture as the viewer sees it in its course's curriculum (`Course.sections`), or NOT_FOUND. */
  async listed(id: string, loaders: LearningLoaders): Promise<Lecture> {
    const lecture = await loaders.lecture.load(id);
    const course = lecture && (await loaders.visibleCourse(lecture.courseId));
    if (!course || !(await loaders.listedLectures(course)).some((l) => l.id === lecture!.id)) throw notFound('Lecture');
    return lecture!;
  }

  /** A section the viewer may edit. */
  async section(viewer: Viewer, id: string, loaders: LearningLoaders): Promise<Section> {
    const section = isUuid(id) ? await this.em.findOne(Section, { id: id.toLowerCase() }, { refresh: true }) : null;
    if (!section || !(await loaders.visibleCourse(section.courseId))) throw notFound('Section');
    await this.courses.editable(viewer, section.courseId, loaders);
    return section;
  }

  /** A lecture the viewer may edit. */
  async lecture(viewer: Viewer, id: string, loaders: LearningLoaders): Promise<Lecture> {
    const lecture = await loaders.lecture.load(id);
    if (!lecture || !(await loaders.visibleCourse(lecture.courseId))) throw notFound('Lecture');
    await this.courses.editable(viewer, lecture.courseId, loaders);
    return lecture;
  }

  private apply(lecture: Lecture, input: LectureInput) {
    if (input.isFreePreview != null) lecture.isFreePreview = input.isFreePreview;
    if (input.body != null) {
      if (lecture.kind !== LectureKind.ARTICLE) throw badInput('Only an article has a body.', 'body');
      lecture.body = text(input.body, 'body', BODY);
    }
    if (input.durationSeconds != null) {
      if (lecture.kind !== LectureKind.ARTICLE)
        throw badInput('A video’s duration is measured from the video itself.', 'durationSeconds');
      if (!Number.isInteger(input.durationSeconds) || input.durationSeconds < 1 || input.durationSeconds > 86_400)
        throw badInput('A reading time is a whole number of seconds from 1 to 86400.', 'durationSeconds');
      lecture.durationSeconds = input.durationSeconds;
    }
  }
}

/** Closes the gap a removal left: positions 0, 1, 2… in the current order. */
async function renumber(em: EntityManager, name: 'sections' | 'lectures', parent: string, parentId: string) {
  await em.execute(
    `update ${table(em, name)} t set position = n.position from (
       select id, row_number() over (order by position, created_at) - 1 as position
       from ${table(em, name)} where ${parent} = ?) n
     where t.id = n.id and t.position <> n.position`,
    [parentId],
  );
}
