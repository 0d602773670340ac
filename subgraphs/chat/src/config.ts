import { readSlice, z, type ConfigSlice } from '@peerlink/platform/config';

/** Chat's own variables. */
const chatSchema = z.object({
  /** A chat message nobody's device received within this many seconds becomes a notification. */
  CHAT_MISSED_AFTER_SECONDS: z.coerce.number().min(0.1).max(3600).default(15),
});

export type ChatConfig = z.infer<typeof chatSchema>;

export const chatConfig: ConfigSlice<ChatConfig> = (env) => readSlice(chatSchema, env);
