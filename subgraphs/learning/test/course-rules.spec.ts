import { describe, expect, it } from 'vitest';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { mayEdit, mayOpen, maySee } from '#src/access';
import { Course, CourseStatus } from '#src/course.entity';
import { missingForPublication, slugOf } from '#src/course.service';
import { Lecture, LectureKind, VideoStatus } from '#src/curriculum.entity';
import { isPermutation } from '#src/curriculum.service';
import { Enrollment, EnrollmentStatus } from '#src/enrollment.entity';

const viewer = (userId: string, ...roles: Viewer['roles']): Viewer => ({
  userId,
  sessionId: 's',
  roles: ['USER', ...roles],
  rolesFrom: 'ACCOUNT',
  unconfirmedRoles: [],
});
const teacher = viewer('teacher', 'INSTRUCTOR');
const course = (status: CourseStatus) => Object.assign(new Course(), { instructorId: 'teacher', status, title: 'T' });
const lecture = (fields: Partial<Lecture>) =>
  Object.assign(new Lecture(), { title: 'L', kind: LectureKind.ARTICLE, ...fields });
const enrollment = (status: EnrollmentStatus) => Object.assign(new Enrollment(), { status });

describe('who may see and change a course', () => {
  it('shows drafts to their instructor and admins only', () => {
    expect(maySee(teacher, course(CourseStatus.DRAFT), null)).toBe(true);
    expect(maySee(viewer('x'), course(CourseStatus.DRAFT), null)).toBe(false);
    expect(maySee(null, course(CourseStatus.DRAFT), null)).toBe(false);
    expect(maySee(viewer('x', 'ADMIN'), course(CourseStatus.DRAFT), null)).toBe(true);
    expect(maySee(null, course(CourseStatus.PUBLISHED), null)).toBe(true);
  });

  it('keeps an archived course for its active students', () => {
    const archived = course(CourseStatus.ARCHIVED);
    expect(maySee(viewer('s'), archived, enrollment(EnrollmentStatus.ACTIVE))).toBe(true);
    expect(maySee(viewer('s'), archived, enrollment(EnrollmentStatus.ENDED))).toBe(false);
  });

  it('lets only its instructor edit, and only while they are an instructor', () => {
    expect(mayEdit(teacher, course(CourseStatus.DRAFT))).toBe(true);
    expect(mayEdit(viewer('teacher'), course(CourseStatus.DRAFT))).toBe(false);
    expect(mayEdit(viewer('other', 'INSTRUCTOR'), course(CourseStatus.DRAFT))).toBe(false);
  });

  it('opens lectures to students, the instructor, admins, and free previews to anyone signed in', () => {
    const open = course(CourseStatus.PUBLISHED);
    const paid = lecture({});
    expect(mayOpen(viewer('s'), open, paid, enrollment(EnrollmentStatus.ACTIVE))).toBe(true);
    expect(mayOpen(viewer('s'), open, paid, enrollment(EnrollmentStatus.ENDED))).toBe(false);
    expect(mayOpen(viewer('s'), open, paid, null)).toBe(false);
    expect(mayOpen(teacher, open, paid, null)).toBe(true);
    expect(mayOpen(viewer('s'), open, lecture({ isFreePreview: true }), null)).toBe(true);
    expect(mayOpen(null, open, lecture({ isFreePreview: true }), null)).toBe(false);
    expect(mayOpen(viewer('s'), course(CourseStatus.DRAFT), lecture({ isFreePreview: true }), null)).toBe(false);
  });
});

describe('course rules', () => {
  it('makes slugs from titles', () => {
    expect(slugOf('Intro to Rust, 2nd ed.')).toBe('intro-to-rust-2nd-ed');
    expect(slugOf('Café crème — à la française')).toBe('cafe-creme-a-la-francaise');
    expect(slugOf('日本語')).toBe('course');
    expect(slugOf('a'.repeat(100)).length).toBe(60);
  });

  it('lists what a course needs before publication', () => {
    const draft = course(CourseStatus.DRAFT);
    expect(missingForPublication(draft, [])).toEqual(['at least one lecture']);
    expect(
      missingForPublication(draft, [
        lecture({ title: 'Clip', kind: LectureKind.VIDEO, videoStatus: VideoStatus.PROCESSING }),
        lecture({ title: 'Text', body: '  ' }),
        lecture({ title: 'Done', kind: LectureKind.VIDEO, videoStatus: VideoStatus.READY }),
      ]),
    ).toEqual(['a ready video for “Clip”', 'text for “Text”']);
  });

  it('takes a reorder only when it names everything once', () => {
    expect(isPermutation(['B', 'a'], ['a', 'b'])).toBe(true);
    expect(isPermutation(['a', 'a'], ['a', 'b'])).toBe(false);
    expect(isPermutation(['a'], ['a', 'b'])).toBe(false);
    expect(isPermutation(['a', 'c'], ['a', 'b'])).toBe(false);
  });
});
