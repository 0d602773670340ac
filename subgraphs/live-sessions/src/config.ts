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
  /** Who carries the media: the SFU in this process, or an existing LiveKit deployment (the four LIVEKIT_ below). */
  LIVE_MEDIA_SERVER: z.enum(['embedded', 'livekit']).default('embedded'),
  /** Where clients connect (wss://…), and where live-sessions calls LiveKit's server API (https://…). */
  LIVEKIT_URL: z.string().url().optional(),
  LIVEKIT_API_URL: z.string().url().optional(),
  LIVEKIT_API_KEY: z.string().min(1).optional(),
  LIVEKIT_API_SECRET: z.string().min(32, 'at least 32 characters').optional(),
});

const LIVEKIT_SETTINGS = ['LIVEKIT_URL', 'LIVEKIT_API_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'] as const;

/** LiveKit needs all four of its settings, and the embedded SFU none of them: either mistake is a typo to catch. */
const checkedSchema = liveSessionsSchema.superRefine((values, ctx) => {
  for (const name of LIVEKIT_SETTINGS) {
    if (values.LIVE_MEDIA_SERVER === 'livekit' && !values[name])
      ctx.addIssue({ code: 'custom', path: [name], message: 'required when LIVE_MEDIA_SERVER=livekit' });
    if (values.LIVE_MEDIA_SERVER === 'embedded' && values[name])
      ctx.addIssue({ code: 'custom', path: [name], message: 'has no use unless LIVE_MEDIA_SERVER=livekit' });
  }
});

export type LiveSessionsConfig = z.infer<typeof liveSessionsSchema>;

export const liveSessionsConfig: ConfigSlice<LiveSessionsConfig> = (env) => readSlice(checkedSchema, env);
