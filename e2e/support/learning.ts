import { randomUUID } from 'node:crypto';
import {
  AddLectureDocument,
  AddSectionDocument,
  BecomeInstructorDocument,
  CreateCourseDocument,
  LoginDocument,
  PublishCourseDocument,
  type CourseInput,
} from '../generated/graphql.js';
import { ok } from './client.js';
import type { Account } from './marketplace.js';
import { signUp, type TestStack } from './stack.js';

/** A new account that took the INSTRUCTOR role, signed in again so its token carries it. */
export async function instructor(t: TestStack): Promise<Account> {
  const user = await signUp(t, 'teacher');
  await ok(t.url, BecomeInstructorDocument, {}, user.token);
  const { login } = await ok(t.url, LoginDocument, { input: { login: user.username, password: user.password } });
  return { ...user, token: login.accessToken };
}

/** A draft course with one section holding one article lecture (a free preview when `preview`). */
export async function draftCourse(t: TestStack, by: Account, input: CourseInput = {}, preview = false) {
  const { createCourse } = await ok(
    t.url,
    CreateCourseDocument,
    { input: { title: `Course ${randomUUID().slice(0, 8)}`, ...input } },
    by.token,
  );
  const { addSection } = await ok(t.url, AddSectionDocument, { courseId: createCourse.id, title: 'Basics' }, by.token);
  const { addLecture } = await ok(
    t.url,
    AddLectureDocument,
    {
      sectionId: addSection.id,
      input: { title: 'Welcome', kind: 'ARTICLE', body: 'Read me first.', isFreePreview: preview },
    },
    by.token,
  );
  return { course: createCourse, section: addSection, lecture: addLecture };
}

/** A published course, free unless `input` prices it. */
export async function publishedCourse(t: TestStack, by: Account, input: CourseInput = {}, preview = false) {
  const draft = await draftCourse(t, by, input, preview);
  const { publishCourse } = await ok(t.url, PublishCourseDocument, { id: draft.course.id }, by.token);
  return { ...draft, course: publishCourse };
}
