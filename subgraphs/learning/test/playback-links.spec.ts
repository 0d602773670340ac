import { describe, expect, it } from 'vitest';
import { PlaybackLinks } from '#src/video/playback-links';

const links = new PlaybackLinks(Buffer.from('a secret of at least thirty-two characters'));
const lectureId = '0193c1d2-0000-7000-8000-000000000001';
const grant = { lectureId, userId: '0193c1d2-0000-7000-8000-0000000000aa', expiresAt: 2_000_000_000 };
const query = () => Object.fromEntries(new URLSearchParams(links.query(grant)));

describe('playback links', () => {
  it('carry the viewer and expiry, and verify for their lecture until they expire', () => {
    expect(query()).toMatchObject({ u: grant.userId, exp: '2000000000' });
    expect(links.verify(lectureId, query(), grant.expiresAt - 1)).toEqual(grant);
    expect(links.verify(lectureId, query(), grant.expiresAt)).toEqual(grant);
    expect(links.verify(lectureId, query(), grant.expiresAt + 1)).toBeNull();
  });

  it('fail for another lecture, another viewer, another expiry or another secret', () => {
    expect(links.verify('0193c1d2-0000-7000-8000-000000000002', query(), 0)).toBeNull();
    expect(links.verify(lectureId, { ...query(), u: '0193c1d2-0000-7000-8000-0000000000bb' }, 0)).toBeNull();
    expect(links.verify(lectureId, { ...query(), exp: '2000000001' }, 0)).toBeNull();
    const other = new PlaybackLinks(Buffer.from('another secret of thirty-two characters or more'));
    expect(other.verify(lectureId, query(), 0)).toBeNull();
  });

  it('refuse a malformed query without throwing', () => {
    expect(links.verify(lectureId, {}, 0)).toBeNull();
    expect(links.verify(lectureId, { ...query(), sig: ['a', 'b'] }, 0)).toBeNull();
    expect(links.verify(lectureId, { ...query(), exp: '2e9' }, 0)).toBeNull();
    expect(links.verify(lectureId, { ...query(), sig: 'short' }, 0)).toBeNull();
  });
});
