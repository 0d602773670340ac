import { readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

/** Marketplace's own variables: how long buyers and sellers have to act. */
const marketplaceSchema = z.object({
  /** An order still unpaid after this many seconds is cancelled and its stock goes back on sale. */
  ORDER_PAYMENT_SECONDS: z.coerce
    .number()
    .min(1)
    .max(7 * 24 * 3600)
    .default(30 * 60),
  /**
   * A seller who has not answered a return request after this many seconds may see it escalated to admins by the buyer.
   */
  RETURN_ANSWER_SECONDS: z.coerce
    .number()
    .min(0)
    .max(90 * 24 * 3600)
    .default(3 * 24 * 3600),
});

export type MarketplaceConfig = z.infer<typeof marketplaceSchema>;

export const marketplaceConfig: ConfigSlice<MarketplaceConfig> = (env) => readSlice(marketplaceSchema, env);
