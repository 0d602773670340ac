import { driveConfig } from '#src/config';
import { readSliceOf } from '@peerlink/platform/testing/config-problems';
import { describe, expect, it } from 'vitest';

describe('drive’s configuration', () => {
  it('keeps deleted files in the trash for 1 to 3650 whole days, 30 unless set', () => {
    expect(readSliceOf(driveConfig)).toMatchObject({ DRIVE_TRASH_DAYS: 30, DRIVE_QUOTA_BYTES: 1024 ** 3 });
    expect(readSliceOf(driveConfig, { DRIVE_TRASH_DAYS: '7' }).DRIVE_TRASH_DAYS).toBe(7);
    for (const bad of ['0', '-1', '1.5', '3651', 'forever'])
      expect(() => readSliceOf(driveConfig, { DRIVE_TRASH_DAYS: bad })).toThrow(/DRIVE_TRASH_DAYS/);
  });
});
