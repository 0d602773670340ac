import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { BotService } from './bot.service.js';
import type { MemoryService } from './memory.service.js';
import type { ChatModelProvider } from './models/chat-model-provider.js';
import type { ThreadService } from './thread.service.js';

export interface AssistantServices {
  threads: ThreadService;
  bots: BotService;
  memories: MemoryService;
  provider: ChatModelProvider;
}

export type AssistantContext = SubgraphContext<AssistantServices, Record<string, never>>;
