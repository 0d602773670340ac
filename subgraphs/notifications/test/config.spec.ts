import { notificationsConfig } from '#src/config';
import { configProblems, readSliceOf } from '@peerlink/platform/testing/config-problems';
import { describe, expect, it } from 'vitest';

describe('notifications’ configuration', () => {
  it('leases an announcement for 30 s and sweeps every 2 s unless set, and refuses a sweep as slow as the lease', () => {
    expect(readSliceOf(notificationsConfig)).toEqual({
      ANNOUNCEMENT_LEASE_MS: 30_000,
      ANNOUNCEMENT_SWEEP_MS: 2_000,
      ANNOUNCEMENT_MAX_ATTEMPTS: 5,
    });
    expect(
      configProblems(() =>
        readSliceOf(notificationsConfig, { ANNOUNCEMENT_LEASE_MS: '1000', ANNOUNCEMENT_SWEEP_MS: '1000' }),
      ),
    ).toEqual([expect.stringMatching(/^ANNOUNCEMENT_SWEEP_MS: must be shorter than ANNOUNCEMENT_LEASE_MS/)]);
    expect(
      configProblems(() =>
        readSliceOf(notificationsConfig, { ANNOUNCEMENT_MAX_ATTEMPTS: '0', ANNOUNCEMENT_LEASE_MS: 'soon' }),
      ),
    ).toEqual([expect.stringMatching(/^ANNOUNCEMENT_LEASE_MS/), expect.stringMatching(/^ANNOUNCEMENT_MAX_ATTEMPTS/)]);
  });
});
