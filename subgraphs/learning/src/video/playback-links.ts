import { createHmac, timingSafeEqual } from 'node:crypto';

/** One viewer's right to a lecture's stream, until `expiresAt` (Unix seconds). */
export interface PlaybackGrant {
  lectureId: string;
  userId: string;
  expiresAt: number;
}

/**
 * The query string that carries a playback grant on `/media` URLs: `u` (the viewer), `exp` and an
 * HMAC over the lecture, the viewer and the expiry. One grant opens every playlist of its lecture and
 * no other lecture's: the lecture is in the signature, not only in the path.
 */
export class PlaybackLinks {
  constructor(private readonly secret: Buffer) {}

  query(grant: PlaybackGrant): string {
    return new URLSearchParams({ u: grant.userId, exp: String(grant.expiresAt), sig: this.sign(grant) }).toString();
  }

  /** The grant a request's query carries for `lectureId`, if its signature holds and it has not expired. */
  verify(lectureId: string, query: Record<string, unknown>, nowSeconds = Date.now() / 1000): PlaybackGrant | null {
    const { u, exp, sig } = query;
    if (typeof u !== 'string' || typeof exp !== 'string' || typeof sig !== 'string') return null;
    const expiresAt = Number(exp);
    if (!/^\d{1,12}$/.test(exp) || expiresAt < nowSeconds) return null;
    const grant = { lectureId, userId: u, expiresAt };
    const expected = Buffer.from(this.sign(grant), 'base64url');
    const given = Buffer.from(sig, 'base64url');
    return expected.length === given.length && timingSafeEqual(expected, given) ? grant : null;
  }

  private sign({ lectureId, userId, expiresAt }: PlaybackGrant): string {
    return createHmac('sha256', this.secret)
      .update(`playback\n${lectureId}\n${userId}\n${expiresAt}`)
      .digest('base64url');
  }
}
