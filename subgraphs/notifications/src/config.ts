import { readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

/** Notifications' own variables: how announcements to everyone are sent and taken over. */
const notificationsSchema = z.object({
  /**
   * An announcement whose sender committed no batch for this long is taken over by another sweep (a crashed sender).
   */
  ANNOUNCEMENT_LEASE_MS: z.coerce.number().int().min(100).max(3_600_000).default(30_000),
  /** How often each notifications process looks for announcements to take over. */
  ANNOUNCEMENT_SWEEP_MS: z.coerce.number().int().min(50).max(600_000).default(2_000),
  /**
   * Tries (the first send included) without a committed batch after which an announcement is left FAILED, not retried
   * forever.
   */
  ANNOUNCEMENT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
});

export type NotificationsConfig = z.infer<typeof notificationsSchema>;

export const notificationsConfig: ConfigSlice<NotificationsConfig> = (env) =>
  readSlice(notificationsSchema, env, (values) =>
    values.ANNOUNCEMENT_SWEEP_MS < values.ANNOUNCEMENT_LEASE_MS
      ? []
      : [
          'ANNOUNCEMENT_SWEEP_MS: must be shorter than ANNOUNCEMENT_LEASE_MS (a stopped sender is looked for ' +
            'within each lease)',
        ],
  );
