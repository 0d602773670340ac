import { describe, expect, it } from 'vitest';
import { certificatePdf } from '#src/progress/certificate-pdf';
import { checkHeartbeat, percentDone, resumePoint, secondsToComplete } from '#src/progress/progress-rules';

const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as { extensions?: { code?: string; field?: string } }).extensions;
  }
  return null;
};

describe('a lecture completes', () => {
  it('once most of it (90%) is watched, and a very short one once a second is', () => {
    expect(secondsToComplete(600)).toBe(540);
    expect(secondsToComplete(3)).toBe(3);
    expect(secondsToComplete(1)).toBe(1);
    expect(secondsToComplete(0)).toBe(1);
  });
});

describe('percent done', () => {
  it('is whole percent rounded down, so 100 means every lecture', () => {
    expect(percentDone(0, 3)).toBe(0);
    expect(percentDone(1, 3)).toBe(33);
    expect(percentDone(199, 200)).toBe(99);
    expect(percentDone(3, 3)).toBe(100);
    expect(percentDone(0, 0)).toBe(0);
  });
});

describe('a heartbeat', () => {
  it('holds whole seconds within the lecture, one second past the end taken as the end', () => {
    expect(checkHeartbeat({ positionSeconds: 5, watchedSeconds: 7 }, 10)).toEqual({
      positionSeconds: 5,
      watchedSeconds: 7,
    });
    expect(checkHeartbeat({ positionSeconds: 11, watchedSeconds: 11 }, 10)).toEqual({
      positionSeconds: 10,
      watchedSeconds: 10,
    });
  });

  it('is refused, naming the field, when negative, fractional or past the end', () => {
    expect(codeOf(() => checkHeartbeat({ positionSeconds: -1, watchedSeconds: 0 }, 10))).toEqual({
      code: 'BAD_USER_INPUT',
      field: 'positionSeconds',
    });
    expect(codeOf(() => checkHeartbeat({ positionSeconds: 0, watchedSeconds: 1.5 }, 10))).toMatchObject({
      field: 'watchedSeconds',
    });
    expect(codeOf(() => checkHeartbeat({ positionSeconds: 12, watchedSeconds: 0 }, 10))).toMatchObject({
      field: 'positionSeconds',
    });
    expect(codeOf(() => checkHeartbeat({ positionSeconds: 0, watchedSeconds: 60 }, 10))).toMatchObject({
      field: 'watchedSeconds',
    });
  });
});

describe('the resume point', () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));
  const lectures = ['a', 'b', 'c'];

  it('is nowhere before the first heartbeat', () => {
    expect(resumePoint(lectures, [])).toBeNull();
  });

  it('is the lecture touched last, at its position, while it is unfinished', () => {
    const marks = [
      { lectureId: 'a', positionSeconds: 30, completed: true, updatedAt: at(1) },
      { lectureId: 'c', positionSeconds: 12, completed: false, updatedAt: at(2) },
    ];
    expect(resumePoint(lectures, marks)).toEqual({ lectureId: 'c', positionSeconds: 12 });
  });

  it('moves to the next unfinished lecture from its start once the last one touched is done', () => {
    const marks = [
      { lectureId: 'a', positionSeconds: 30, completed: true, updatedAt: at(3) },
      { lectureId: 'b', positionSeconds: 9, completed: true, updatedAt: at(1) },
    ];
    expect(resumePoint(lectures, marks)).toEqual({ lectureId: 'c', positionSeconds: 0 });
    // The last lecture done, an earlier one is still open: back to it.
    const skipped = [{ lectureId: 'c', positionSeconds: 40, completed: true, updatedAt: at(1) }];
    expect(resumePoint(lectures, skipped)).toEqual({ lectureId: 'a', positionSeconds: 0 });
  });

  it('is nowhere once everything is done, and ignores lectures no longer listed', () => {
    const done = lectures.map((lectureId, i) => ({ lectureId, positionSeconds: 0, completed: true, updatedAt: at(i) }));
    expect(resumePoint(lectures, done)).toBeNull();
    const removed = [{ lectureId: 'gone', positionSeconds: 5, completed: false, updatedAt: at(9) }];
    expect(resumePoint(lectures, removed)).toBeNull();
  });
});

describe('the certificate PDF', () => {
  it('is a PDF even for names the standard fonts cannot draw', async () => {
    const pdf = await certificatePdf({
      studentName: '李小龍',
      courseTitle: 'A very long course title '.repeat(8),
      instructorName: 'Zoë',
      issuedAt: new Date('2026-12-06T00:00:00Z'),
      verificationUrl: 'http://localhost:4000/certificates/x',
    });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.subarray(-6).toString()).toMatch(/%%EOF/);
  });
});
