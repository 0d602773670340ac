import { readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

const iceServer = z.object({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((u) => (Array.isArray(u) ? u : [u])),
  username: z.string().optional(),
  credential: z.string().optional(),
});

/** Live sessions' own variables: how clients reach the media, and how long a call rings. */
const liveSessionsSchema = z.object({
  /**
   * STUN/TURN servers handed to clients and used by the embedded SFU, as JSON (RTCIceServer list). None: host
   * candidates only, enough on one machine or one network; production needs TURN (README, Live sessions).
   */
  LIVE_ICE_SERVERS: z
    .string()
    .default('[]')
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.array(iceServer)),
  /** An unanswered call ends MISSED after this long. */
  LIVE_RING_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
});

export type LiveSessionsConfig = z.infer<typeof liveSessionsSchema>;

export const liveSessionsConfig: ConfigSlice<LiveSessionsConfig> = (env) => readSlice(liveSessionsSchema, env);
