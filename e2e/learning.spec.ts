import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AddLectureDocument,
  AddSectionDocument,
  ArchiveCourseDocument,
  CourseDocument,
  CoursesDocument,
  CreateCourseDocument,
  EnrollDocument,
  MyEnrollmentsDocument,
  PublishCourseDocument,
  RemoveLectureDocument,
  RemoveSectionDocument,
  RenameSectionDocument,
  ReorderLecturesDocument,
  ReorderSectionsDocument,
  RevokeRoleDocument,
  TeachingCoursesDocument,
  UpdateCourseDocument,
  UpdateLectureDocument,
  UserEnrollmentsDocument,
} from './generated/graphql.js';
import { codes, ok, request } from './support/client.js';
import { draftCourse, instructor, publishedCourse } from './support/learning.js';
import { admin } from './support/plans.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

let t: TestStack;
beforeAll(async () => {
  t = await startTestStack();
});
afterAll(async () => {
  await t?.stop();
});

const UNKNOWN = '0195f000-0000-7000-8000-0000000000ff';

describe('courses', () => {
  it('are made by instructors only, drafts seen by their instructor alone, and published when complete', async () => {
    const [teacher, student] = await Promise.all([instructor(t), signUp(t, 'student')]);
    expect(await codes(t.url, CreateCourseDocument, { input: { title: 'Mine' } }, student.token)).toEqual([
      'FORBIDDEN',
    ]);
    const refused = await request(t.url, CreateCourseDocument, { input: { title: 'Mine' } }, { token: student.token });
    expect(refused.errors?.[0]?.extensions?.obtainWith).toBe('becomeInstructor');
    expect(await codes(t.url, CreateCourseDocument, { input: { title: 'Mine' } })).toEqual(['UNAUTHENTICATED']);

    const { createCourse: course } = await ok(
      t.url,
      CreateCourseDocument,
      {
        input: {
          title: 'Rust from zero: ownership, traits & async',
          subtitle: 'A practical start',
          level: 'BEGINNER',
          language: 'en',
          category: 'Programming',
          priceAmount: 2900,
          currency: 'USD',
        },
      },
      teacher.token,
    );
    expect(course).toMatchObject({
      slug: 'rust-from-zero-ownership-traits-async',
      status: 'DRAFT',
      isFree: false,
      price: { amount: 2900, currency: 'usd' },
      lectureCount: 0,
      viewerCanEdit: true,
      instructor: { id: teacher.id, username: teacher.username },
    });
    // A draft is its instructor's alone.
    expect(await codes(t.url, CourseDocument, { id: course.id }, student.token)).toEqual(['NOT_FOUND']);
    expect((await ok(t.url, CourseDocument, { slug: course.slug }, teacher.token)).course.id).toBe(course.id);

    // Publishing says everything that is missing.
    const empty = await request(t.url, PublishCourseDocument, { id: course.id }, { token: teacher.token });
    expect(empty.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', missing: ['at least one lecture'] });
    const { addSection } = await ok(t.url, AddSectionDocument, { courseId: course.id, title: 'Start' }, teacher.token);
    const { addLecture: video } = await ok(
      t.url,
      AddLectureDocument,
      { sectionId: addSection.id, input: { title: 'Install', kind: 'VIDEO' } },
      teacher.token,
    );
    const { addLecture: article } = await ok(
      t.url,
      AddLectureDocument,
      { sectionId: addSection.id, input: { title: 'Why Rust', kind: 'ARTICLE' } },
      teacher.token,
    );
    const incomplete = await request(t.url, PublishCourseDocument, { id: course.id }, { token: teacher.token });
    expect(incomplete.errors?.[0]?.extensions?.missing).toEqual(['a ready video for “Install”', 'text for “Why Rust”']);

    await ok(t.url, RemoveLectureDocument, { id: video.id }, teacher.token);
    await ok(
      t.url,
      UpdateLectureDocument,
      { id: article.id, input: { body: 'Because.', durationSeconds: 120 } },
      teacher.token,
    );
    const { publishCourse } = await ok(t.url, PublishCourseDocument, { id: course.id }, teacher.token);
    expect(publishCourse).toMatchObject({ status: 'PUBLISHED', lectureCount: 1, durationSeconds: 120 });
    expect(publishCourse.publishedAt).toBeTruthy();
    expect(await codes(t.url, PublishCourseDocument, { id: course.id }, teacher.token)).toEqual(['BAD_USER_INPUT']);

    // Now anyone finds it, signed in or not, by id, slug, search and filters.
    const seen = (await ok(t.url, CourseDocument, { slug: course.slug })).course;
    expect(seen).toMatchObject({ id: course.id, viewerCanEdit: false, viewerEnrollment: null });
    expect(seen.sections[0]!.lectures[0]).toMatchObject({ title: 'Why Rust', body: null });
    const found = await ok(t.url, CoursesDocument, { filter: { search: 'ownership', level: 'BEGINNER' } });
    expect(found.courses.edges.map((e) => e.node.id)).toContain(course.id);
    const freeOnly = await ok(t.url, CoursesDocument, { filter: { free: true, instructorId: teacher.id } });
    expect(freeOnly.courses.edges).toEqual([]);
  });

  it('are changed by their own instructor only, with the roles they hold now', async () => {
    const [teacher, other, boss] = await Promise.all([instructor(t), instructor(t), admin(t)]);
    const { course, section, lecture } = await draftCourse(t, teacher);
    for (const [document, variables] of [
      [UpdateCourseDocument, { id: course.id, input: { title: 'Taken over' } }],
      [PublishCourseDocument, { id: course.id }],
      [AddSectionDocument, { courseId: course.id, title: 'Extra' }],
      [RenameSectionDocument, { id: section.id, title: 'Mine now' }],
      [RemoveSectionDocument, { id: section.id }],
      [UpdateLectureDocument, { id: lecture.id, input: { title: 'Mine now' } }],
      [RemoveLectureDocument, { id: lecture.id }],
    ] as const) {
      // A draft is invisible to another instructor: they cannot even learn that it exists.
      expect(await codes(t.url, document as typeof UpdateCourseDocument, variables as never, other.token)).toEqual([
        'NOT_FOUND',
      ]);
    }
    await ok(t.url, PublishCourseDocument, { id: course.id }, teacher.token);
    expect(
      await codes(t.url, UpdateCourseDocument, { id: course.id, input: { title: 'Taken over' } }, other.token),
    ).toEqual(['FORBIDDEN']);
    expect(await codes(t.url, RenameSectionDocument, { id: section.id, title: 'x' }, other.token)).toEqual([
      'FORBIDDEN',
    ]);
    expect(await codes(t.url, ArchiveCourseDocument, { id: course.id }, other.token)).toEqual(['FORBIDDEN']);

    // An instructor whose role was taken away can no longer change what they made.
    await ok(t.url, RevokeRoleDocument, { userId: teacher.id, role: 'INSTRUCTOR' }, boss.token);
    expect(
      await codes(t.url, UpdateCourseDocument, { id: course.id, input: { subtitle: 'still mine?' } }, teacher.token),
    ).toEqual(['FORBIDDEN']);
    // An admin may withdraw any course.
    expect((await ok(t.url, ArchiveCourseDocument, { id: course.id }, boss.token)).archiveCourse.status).toBe(
      'ARCHIVED',
    );
  });

  it('keep sections and lectures in the order their instructor gives', async () => {
    const teacher = await instructor(t);
    const { course, section: first, lecture: welcome } = await draftCourse(t, teacher);
    const { addSection: second } = await ok(
      t.url,
      AddSectionDocument,
      { courseId: course.id, title: 'More' },
      teacher.token,
    );
    const { addSection: third } = await ok(
      t.url,
      AddSectionDocument,
      { courseId: course.id, title: 'Last' },
      teacher.token,
    );
    expect([first.position, second.position, third.position]).toEqual([0, 1, 2]);
    const add = async (title: string) =>
      (
        await ok(
          t.url,
          AddLectureDocument,
          { sectionId: first.id, input: { title, kind: 'ARTICLE', body: title } },
          teacher.token,
        )
      ).addLecture;
    const [two, three] = [await add('Two'), await add('Three')];
    expect(three.position).toBe(2);

    await ok(
      t.url,
      ReorderLecturesDocument,
      { sectionId: first.id, lectureIds: [three.id, welcome.id, two.id] },
      teacher.token,
    );
    await ok(
      t.url,
      ReorderSectionsDocument,
      { courseId: course.id, sectionIds: [third.id, first.id, second.id] },
      teacher.token,
    );
    // A lecture moved to another section goes to its end; the gap it left closes.
    await ok(t.url, UpdateLectureDocument, { id: welcome.id, input: { sectionId: second.id } }, teacher.token);
    await ok(t.url, RemoveSectionDocument, { id: third.id }, teacher.token);

    const { course: read } = await ok(t.url, CourseDocument, { id: course.id }, teacher.token);
    expect(read.sections.map((s) => [s.title, s.position, s.lectures.map((l) => [l.title, l.position])])).toEqual([
      [
        'Basics',
        0,
        [
          ['Three', 0],
          ['Two', 1],
        ],
      ],
      ['More', 1, [['Welcome', 0]]],
    ]);

    // A reorder names everything once, or nothing moves.
    for (const lectureIds of [[three.id], [three.id, three.id], [three.id, two.id, UNKNOWN]])
      expect(await codes(t.url, ReorderLecturesDocument, { sectionId: first.id, lectureIds }, teacher.token)).toEqual([
        'BAD_USER_INPUT',
      ]);
    expect(
      await codes(t.url, ReorderSectionsDocument, { courseId: course.id, sectionIds: [first.id] }, teacher.token),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(
        t.url,
        UpdateLectureDocument,
        { id: two.id, input: { sectionId: (await draftCourse(t, teacher)).section.id } },
        teacher.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
  });

  it('refuse bad input with a field to fix', async () => {
    const teacher = await instructor(t);
    const { course, section } = await draftCourse(t, teacher);
    const bad = async (input: Record<string, unknown>) => {
      const result = await request(t.url, UpdateCourseDocument, { id: course.id, input }, { token: teacher.token });
      return [result.errors?.[0]?.extensions?.code, result.errors?.[0]?.extensions?.field];
    };
    expect(await bad({ title: '   ' })).toEqual(['BAD_USER_INPUT', 'title']);
    expect(await bad({ title: 'x'.repeat(201) })).toEqual(['BAD_USER_INPUT', 'title']);
    expect(await bad({ priceAmount: 0, currency: 'usd' })).toEqual(['BAD_USER_INPUT', 'priceAmount']);
    expect(await bad({ priceAmount: 100, currency: 'dollars' })).toEqual(['BAD_USER_INPUT', 'currency']);
    expect(await bad({ priceAmount: 100, free: true })).toEqual(['BAD_USER_INPUT', 'priceAmount']);
    expect(await bad({ language: 'English!' })).toEqual(['BAD_USER_INPUT', 'language']);
    expect(
      await codes(t.url, AddLectureDocument, { sectionId: section.id, input: { title: 'No kind' } }, teacher.token),
    ).toEqual(['BAD_USER_INPUT']);
    expect(
      await codes(
        t.url,
        AddLectureDocument,
        { sectionId: section.id, input: { title: 'Clip', kind: 'VIDEO', body: 'text' } },
        teacher.token,
      ),
    ).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, CourseDocument, { id: UNKNOWN }, teacher.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, CourseDocument, { id: 'not-an-id' }, teacher.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, CourseDocument, {}, teacher.token)).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, CoursesDocument, { first: 1000 })).toEqual(['BAD_USER_INPUT']);
    expect(await codes(t.url, CoursesDocument, { after: 'garbage' })).toEqual(['BAD_USER_INPUT']);
  });
});

describe('enrollment', () => {
  it('opens a free course to its students, idempotently, and keeps lesson text from everyone else', async () => {
    const [teacher, student, passer] = await Promise.all([instructor(t), signUp(t, 'student'), signUp(t, 'passer')]);
    const { course } = await publishedCourse(t, teacher);
    const first = (await ok(t.url, EnrollDocument, { courseId: course.id }, student.token)).enroll;
    expect(first).toMatchObject({ status: 'ACTIVE', source: 'FREE', course: { enrollmentCount: 1 } });
    const again = (await ok(t.url, EnrollDocument, { courseId: course.id }, student.token)).enroll;
    expect(again).toMatchObject({ id: first.id, course: { enrollmentCount: 1 } });

    const asStudent = (await ok(t.url, CourseDocument, { id: course.id }, student.token)).course;
    expect(asStudent.viewerEnrollment).toMatchObject({ id: first.id, status: 'ACTIVE' });
    expect(asStudent.sections[0]!.lectures[0]!.body).toBe('Read me first.');
    expect(
      (await ok(t.url, CourseDocument, { id: course.id }, passer.token)).course.sections[0]!.lectures[0]!.body,
    ).toBeNull();

    const mine = (await ok(t.url, MyEnrollmentsDocument, {}, student.token)).me.enrollments!.edges;
    expect(mine.map((e) => e.node.course?.id)).toEqual([course.id]);
    // Someone else's enrollments are theirs alone.
    const theirs = await ok(t.url, UserEnrollmentsDocument, { userId: student.id }, passer.token);
    expect(theirs.user.enrollments).toBeNull();

    expect(await codes(t.url, EnrollDocument, { courseId: course.id }, teacher.token)).toEqual(['CONFLICT']);
    expect(await codes(t.url, EnrollDocument, { courseId: course.id })).toEqual(['UNAUTHENTICATED']);
    expect(await codes(t.url, EnrollDocument, { courseId: UNKNOWN }, student.token)).toEqual(['NOT_FOUND']);
  });

  it('shows a free preview to anyone signed in, and sells a paid course rather than enrolling into it', async () => {
    const [teacher, passer] = await Promise.all([instructor(t), signUp(t, 'passer')]);
    const { course } = await publishedCourse(t, teacher, { priceAmount: 1500, currency: 'eur' }, true);
    expect(await codes(t.url, EnrollDocument, { courseId: course.id }, passer.token)).toEqual(['FORBIDDEN']);
    const lecture = (await ok(t.url, CourseDocument, { id: course.id }, passer.token)).course.sections[0]!.lectures[0]!;
    expect(lecture).toMatchObject({ isFreePreview: true, body: 'Read me first.' });
    expect((await ok(t.url, CourseDocument, { id: course.id })).course.sections[0]!.lectures[0]!.body).toBeNull();
  });

  it('lets an archived course go on for its students only', async () => {
    const [teacher, student, latecomer] = await Promise.all([instructor(t), signUp(t, 'student'), signUp(t, 'late')]);
    const { course } = await publishedCourse(t, teacher);
    await ok(t.url, EnrollDocument, { courseId: course.id }, student.token);
    await ok(t.url, ArchiveCourseDocument, { id: course.id }, teacher.token);

    expect((await ok(t.url, CourseDocument, { id: course.id }, student.token)).course.status).toBe('ARCHIVED');
    expect(await codes(t.url, CourseDocument, { id: course.id }, latecomer.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, EnrollDocument, { courseId: course.id }, latecomer.token)).toEqual(['NOT_FOUND']);
    const listed = await ok(t.url, CoursesDocument, { filter: { instructorId: teacher.id } });
    expect(listed.courses.edges).toEqual([]);
    // Its instructor still sees every course of theirs, archived ones included.
    const own = await ok(t.url, TeachingCoursesDocument, { userId: teacher.id }, teacher.token);
    expect(own.user.teachingCourses!.edges.map((e) => e.node)).toEqual([{ id: course.id, status: 'ARCHIVED' }]);
    expect(
      await codes(t.url, UpdateCourseDocument, { id: course.id, input: { title: 'Back' } }, teacher.token),
    ).toEqual(['BAD_USER_INPUT']);
  });
});
