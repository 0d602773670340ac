import type { EntityManager } from '@mikro-orm/postgresql';
import { lockKey, rows, table } from '@peerlink/platform/db/sql';
import type { AssistantConfig } from './config.js';

export interface Usage {
  /** Questions in threads and mentions in chats. */
  asked: number;
  /** Tokens the model spent on the user's replies. */
  spent: number;
}

/**
 * A user's use of the assistant in the window (ASSISTANT_WINDOW_SECONDS), under a lock on the user held
 * until the transaction ends: a question or mention stored in that transaction is counted before the next
 * one is, so none sent at once slips past the limits.
 */
export async function usageOf(em: EntityManager, userId: string, settings: AssistantConfig): Promise<Usage> {
  await lockKey(em, `assistant-limits:${userId}`);
  const since = new Date(Date.now() - settings.ASSISTANT_WINDOW_SECONDS * 1000);
  const [usage] = await rows<Usage>(
    em,
    `select (count(*) filter (where role = 'USER')
               + (select count(*) from ${table(em, 'chat_mentions')} where asked_by = ? and created_at > ?))::int
              as asked,
            coalesce(sum(tokens) filter (where role = 'ASSISTANT'), 0)::int as spent
     from ${table(em, 'messages')} where owner_id = ? and created_at > ? and role <> 'TOOL'`,
    [userId, since, userId, since],
  );
  return usage!;
}

export const overLimits = (usage: Usage, settings: AssistantConfig) =>
  usage.asked >= settings.ASSISTANT_REQUESTS_PER_WINDOW || usage.spent >= settings.ASSISTANT_TOKENS_PER_WINDOW;
