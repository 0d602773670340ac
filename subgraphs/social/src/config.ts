import { readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

/** Social's own variables: how home feeds are built and kept. */
const socialSchema = z.object({
  /** Posts kept per home timeline in the cache; older pages are read from the database. */
  FEED_TIMELINE_LENGTH: z.coerce.number().int().min(20).max(10_000).default(800),
  /** Accounts with more followers are merged into feeds at read time rather than fanned out. */
  FEED_FANOUT_MAX_FOLLOWERS: z.coerce.number().int().min(1).default(10_000),
});

export type SocialConfig = z.infer<typeof socialSchema>;

export const socialConfig: ConfigSlice<SocialConfig> = (env) => readSlice(socialSchema, env);
