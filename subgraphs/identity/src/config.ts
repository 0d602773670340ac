import { readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

/** Identity's own variables: how long a sign-in lasts. */
const identitySchema = z.object({
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).default(900),
  REFRESH_TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .default(30 * 24 * 3600),
});

export type IdentityConfig = z.infer<typeof identitySchema>;

export const identityConfig: ConfigSlice<IdentityConfig> = (env) =>
  readSlice(identitySchema, env, (values) =>
    // A refresh token shorter-lived than the access token it renews would renew nothing.
    values.REFRESH_TOKEN_TTL_SECONDS > values.ACCESS_TOKEN_TTL_SECONDS
      ? []
      : [
          'REFRESH_TOKEN_TTL_SECONDS: must be longer than ACCESS_TOKEN_TTL_SECONDS (a refresh token renews ' +
            'access tokens)',
        ],
  );
