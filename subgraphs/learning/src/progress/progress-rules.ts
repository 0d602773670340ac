import { badInput } from '@peerlink/platform/errors';

/** A lecture counts as done once this share of it was watched: "most of it", leaving the credits. */
export const COMPLETION_SHARE = 0.9;

/** Seconds of a lecture lasting `durationSeconds` to watch before it completes; at least one. */
export const secondsToComplete = (durationSeconds: number) =>
  Math.max(1, Math.ceil(durationSeconds * COMPLETION_SHARE));

/** Whole percent of the lectures done, 100 only when every one is: never rounded up to a finish. */
export function percentDone(completed: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.floor((completed * 100) / total));
}

/** A heartbeat's numbers, checked against the lecture's measured length. */
export interface Heartbeat {
  positionSeconds: number;
  watchedSeconds: number;
}

/**
 * Positions and watched time are whole seconds within the lecture. Players round, so one second past
 * the end is taken as the end rather than refused.
 */
export function checkHeartbeat(heartbeat: Heartbeat, durationSeconds: number): Heartbeat {
  const within = (value: number, field: string) => {
    if (!Number.isInteger(value) || value < 0) throw badInput('Give whole seconds, 0 or more.', field);
    if (value > durationSeconds + 1)
      throw badInput(`The lecture lasts ${durationSeconds} seconds; ${value} is past its end.`, field);
    return Math.min(value, durationSeconds);
  };
  return {
    positionSeconds: within(heartbeat.positionSeconds, 'positionSeconds'),
    watchedSeconds: within(heartbeat.watchedSeconds, 'watchedSeconds'),
  };
}

/** What a student did in one lecture, as the resume point needs it. */
export interface LectureMark {
  lectureId: string;
  positionSeconds: number;
  completed: boolean;
  updatedAt: Date;
}

/**
 * Where to pick up: the lecture touched last, at its position; if that one is done, the next
 * lecture in course order not yet done, from its start. Null before the first heartbeat, and once
 * everything after the last lecture touched is done.
 */
export function resumePoint(
  lectureIds: string[],
  marks: LectureMark[],
): { lectureId: string; positionSeconds: number } | null {
  const listed = marks.filter((m) => lectureIds.includes(m.lectureId));
  if (!listed.length) return null;
  const last = listed.reduce((a, b) => (b.updatedAt > a.updatedAt ? b : a));
  if (!last.completed) return { lectureId: last.lectureId, positionSeconds: last.positionSeconds };
  const done = new Set(listed.filter((m) => m.completed).map((m) => m.lectureId));
  const after = lectureIds.slice(lectureIds.indexOf(last.lectureId) + 1);
  const next = after.find((id) => !done.has(id)) ?? lectureIds.find((id) => !done.has(id));
  return next ? { lectureId: next, positionSeconds: 0 } : null;
}
