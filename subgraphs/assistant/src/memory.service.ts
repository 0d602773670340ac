import { tool, type StructuredToolInterface } from '@langchain/core/tools';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { z } from '@peerlink/platform/config';
import { notFound } from '@peerlink/platform/errors';
import { isUuid } from '@peerlink/platform/ids';
import { Memory } from './memory.entity.js';

/** Memories kept per user; the oldest go first past this. */
const MAX_MEMORIES = 100;
const MAX_MEMORY_CHARS = 500;

/**
 * What the assistant remembers about each user across threads: it writes with the `remember` tool,
 * reads them into every reply's instructions, and the user sees and deletes them.
 */
export class MemoryService {
  constructor(private readonly em: EntityManager) {}

  listFor(userId: string): Promise<Memory[]> {
    return this.em.fork().find(Memory, { userId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
  }

  list(viewer: Viewer) {
    return this.listFor(viewer.userId);
  }

  async forget(viewer: Viewer, id: string): Promise<boolean> {
    if (!isUuid(id)) throw notFound('Memory');
    const removed = await this.em.fork().nativeDelete(Memory, { id, userId: viewer.userId });
    if (!removed) throw notFound('Memory');
    return true;
  }

  /** How many were forgotten. */
  forgetAll(viewer: Viewer): Promise<number> {
    return this.em.fork().nativeDelete(Memory, { userId: viewer.userId });
  }

  async remember(userId: string, threadId: string | null, content: string): Promise<void> {
    const em = this.em.fork();
    const text = content.trim().slice(0, MAX_MEMORY_CHARS);
    if (!text || (await em.count(Memory, { userId, content: text }))) return;
    await em.insert(Memory, em.create(Memory, { userId, threadId, content: text }));
    const surplus = (await em.count(Memory, { userId })) - MAX_MEMORIES;
    if (surplus > 0) {
      const oldest = await em.find(Memory, { userId }, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: surplus });
      await em.nativeDelete(Memory, { id: { $in: oldest.map((memory) => memory.id) } });
    }
  }

  /** The tool a model calls to remember something about the user it is answering. */
  rememberTool(userId: string, threadId: string | null): StructuredToolInterface {
    return tool(
      async ({ query }) => {
        await this.remember(userId, threadId, withoutPreamble(query));
        return 'Remembered.';
      },
      {
        name: 'remember',
        description:
          'Remember a lasting fact or preference about the user (e.g. "prefers vegan recipes") for later ' +
          'conversations.',
        schema: z.object({
          query: z.string().min(1).max(MAX_MEMORY_CHARS).describe('The fact, in one short sentence.'),
        }),
      },
    );
  }
}

/** "Remember that I like jazz" is kept as "I like jazz". */
export const withoutPreamble = (text: string) => text.replace(/^\s*(please\s+)?remember( that)?[\s,:]*/i, '').trim();
