import { identityConfig } from '#src/config';
import { configProblems, readSliceOf } from '@peerlink/platform/testing/config-problems';
import { describe, expect, it } from 'vitest';

describe('identity’s configuration', () => {
  it('issues 15-minute access tokens renewed for 30 days unless set, and refuses a refresh token that dies first', () => {
    expect(readSliceOf(identityConfig)).toEqual({
      ACCESS_TOKEN_TTL_SECONDS: 900,
      REFRESH_TOKEN_TTL_SECONDS: 30 * 24 * 3600,
    });
    expect(
      configProblems(() =>
        readSliceOf(identityConfig, { ACCESS_TOKEN_TTL_SECONDS: '3600', REFRESH_TOKEN_TTL_SECONDS: '600' }),
      ),
    ).toEqual([expect.stringMatching(/^REFRESH_TOKEN_TTL_SECONDS: must be longer than ACCESS_TOKEN_TTL_SECONDS/)]);
    expect(configProblems(() => readSliceOf(identityConfig, { ACCESS_TOKEN_TTL_SECONDS: '10' }))).toEqual([
      expect.stringMatching(/^ACCESS_TOKEN_TTL_SECONDS/),
    ]);
  });
});
