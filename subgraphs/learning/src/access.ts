import { holdsRole } from '@peerlink/platform/auth/roles';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { type Course, CourseStatus } from './course.entity.js';
import type { Lecture } from './curriculum.entity.js';
import { type Enrollment, EnrollmentStatus } from './enrollment.entity.js';

/**
 * Who may do what with a course, asked with the roles the viewer holds now. Pure, so each rule is
 * tested on its own (test/access.spec.ts).
 */

export const teaches = (viewer: Viewer | null, course: Course) => viewer?.userId === course.instructorId;

/** Its instructor, while they still hold the INSTRUCTOR role. */
export const mayEdit = (viewer: Viewer | null, course: Course) =>
  teaches(viewer, course) && holdsRole(viewer, 'INSTRUCTOR');

export const isStudent = (enrollment: Enrollment | null) => enrollment?.status === EnrollmentStatus.ACTIVE;

/** Published courses are public; drafts are their instructor's; archived ones stay open to their students. */
export function maySee(viewer: Viewer | null, course: Course, enrollment: Enrollment | null): boolean {
  if (course.status === CourseStatus.PUBLISHED || teaches(viewer, course)) return true;
  if (course.status === CourseStatus.ARCHIVED && isStudent(enrollment)) return true;
  return holdsRole(viewer, 'ADMIN');
}

/** An article's text or a video's stream: students, the instructor, admins; a free preview, anyone signed in. */
export function mayOpen(viewer: Viewer | null, course: Course, lecture: Lecture, enrollment: Enrollment | null) {
  if (!viewer) return false;
  if (teaches(viewer, course) || isStudent(enrollment)) return true;
  if (lecture.isFreePreview && course.status === CourseStatus.PUBLISHED) return true;
  return holdsRole(viewer, 'ADMIN');
}
