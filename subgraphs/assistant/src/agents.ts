import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Bot } from './bot.entity.js';
import type { AssistantConfig } from './config.js';
import { agentGraph } from './graph/agent-graph.js';
import type { SqlCheckpointSaver } from './graph/sql-checkpoint-saver.js';
import type { MemoryService } from './memory.service.js';
import type { ChatModelProvider } from './models/chat-model-provider.js';
import type { GatewayClient } from './tools/gateway-client.js';
import { graphTools } from './tools/graph-tools.js';

/**
 * The agent a bot answers one user with: the provider's model, the bot's tools acting as that user,
 * `remember`, and instructions that carry what the assistant remembers of them.
 */
export class Agents {
  constructor(
    private readonly provider: ChatModelProvider,
    private readonly gateway: GatewayClient,
    private readonly memories: MemoryService,
    private readonly checkpointer: SqlCheckpointSaver,
    private readonly settings: AssistantConfig,
  ) {}

  /** After a reply is written: the thread's state stays, its earlier checkpoints go. */
  compact(threadId: string): Promise<void> {
    return this.checkpointer.keepLatest(threadId);
  }

  /**
   * `threadId`: the thread's history is kept (checkpointed). `shared`: the answer is seen by others (a
   * chat), so the agent gets only the public catalogue, no memories and no `remember`.
   */
  async for(viewer: Viewer, bot: Bot, options: { threadId?: string; shared?: boolean } = {}) {
    const known = options.shared ? [] : await this.memories.listFor(viewer.userId);
    const tools = options.shared
      ? graphTools(
          this.gateway,
          viewer,
          bot.tools.filter((tool) => PUBLIC_TOOLS.includes(tool)),
        )
      : [
          ...graphTools(this.gateway, viewer, bot.tools),
          this.memories.rememberTool(viewer.userId, options.threadId ?? null),
        ];
    return agentGraph({
      model: this.provider.modelFor(bot),
      tools,
      system: systemPrompt(
        bot,
        known.map((memory) => memory.content),
      ),
      checkpointer: options.threadId ? this.checkpointer : undefined,
      historyMessages: this.settings.ASSISTANT_HISTORY_MESSAGES,
    });
  }
}

/** Tools whose answers are the same whoever asks: the only ones an answer seen by others may use. */
const PUBLIC_TOOLS = ['search_catalog'];

function systemPrompt(bot: Bot, memories: string[]): string {
  const known = memories.length
    ? '\n\nWhat you know about the user (from earlier conversations; use it when it helps):\n' +
      memories.map((m) => `- ${m}`).join('\n')
    : '';
  return `${bot.instructions}${known}`;
}
