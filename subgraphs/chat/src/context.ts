import type { SubgraphContext } from '@peerlink/platform/graphql/subgraph';
import type { ConversationService } from './conversation.service.js';
import type { ChatLoaders } from './loaders.js';
import type { MessageService } from './message.service.js';

export interface ChatServices {
  conversations: ConversationService;
  messages: MessageService;
}

export type ChatContext = SubgraphContext<ChatServices, ChatLoaders>;
