import { readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

/** Drive's own variables: what each user may store, and for how long deleted files are kept. */
const driveSchema = z.object({
  DRIVE_QUOTA_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(1024 ** 3),
  DRIVE_MAX_FILE_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(256 * 1024 ** 2),
  /** Days a deleted file stays in the trash (restorable, still counted against the quota) before it is purged. */
  DRIVE_TRASH_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
});

export type DriveConfig = z.infer<typeof driveSchema>;

export const driveConfig: ConfigSlice<DriveConfig> = (env) => readSlice(driveSchema, env);
