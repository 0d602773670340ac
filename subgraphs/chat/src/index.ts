import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import type { LiveSessionEvents } from '@peerlink/contracts/live-sessions';
import { callEventHandlers } from './call-events.handler.js';
import { assistantAnswerHandlers } from './assistant-answers.handler.js';
import type { AssistantEvents } from '@peerlink/contracts/assistant';
import { signaller } from '@peerlink/platform/events/signals';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import type { IdentityEvents } from '@peerlink/contracts/identity';
import type { SocialEvents } from '@peerlink/contracts/social';
import { chatConfig, type ChatConfig } from './config.js';
import type { ChatServices } from './context.js';
import { Conversation, Membership } from './conversation.entity.js';
import { ConversationResolver, MembershipResolver } from './conversation.resolver.js';
import { ConversationService } from './conversation.service.js';
import type { ChatEvents, ChatSignals } from '@peerlink/contracts/chat';
import { chatEventHandlers } from './events.handler.js';
import { ChatLoaders } from './loaders.js';
import { Message } from './message.entity.js';
import { MessageResolver } from './message.resolver.js';
import { MessageService } from './message.service.js';
import { migrations } from './migrations/index.js';
import { MissedMessages } from './missed-messages.js';
import { Person } from '@peerlink/platform/accounts/people';
import { MessageAttachment, type AttachmentsChecked } from './attachment.entity.js';
import { Block } from './block.entity.js';

/** Private and group conversations, with live messages. */
export const chat: SubgraphDefinition<ChatServices, ChatLoaders, ChatConfig> = {
  name: 'chat',
  config: chatConfig,
  entities: [Person, Block, Conversation, Membership, Message, MessageAttachment],
  migrations,
  resolvers: [ConversationResolver, MembershipResolver, MessageResolver],
  references: {
    Conversation: async (reference: { id: string }, ctx: { loaders: ChatLoaders }) =>
      (await ctx.loaders.membership.load(reference.id)) ? ctx.loaders.conversation.load(reference.id) : null,
    Message: async (reference: { id: string }, ctx: { loaders: ChatLoaders }) => {
      const message = await ctx.loaders.message.load(reference.id);
      return message && (await ctx.loaders.membership.load(message.conversationId)) ? message : null;
    },
  },

  async start({ bus, logger }, orm, settings) {
    const outbox = new Outbox<ChatEvents>(orm, bus, logger);
    const conversations = new ConversationService(orm, outbox);
    const messages = new MessageService(orm, outbox, conversations, signaller<ChatSignals>(bus));
    const stopConsuming = await consumeEvents<
      IdentityEvents &
        SocialEvents &
        LiveSessionEvents &
        AssistantEvents & { 'drive.attachments.checked': AttachmentsChecked },
      ChatEvents
    >({
      bus,
      outbox,
      consumer: 'chat',
      handlers: { ...chatEventHandlers(), ...callEventHandlers(), ...assistantAnswerHandlers() },
      logger,
    });
    const missed = new MissedMessages(orm, outbox, settings.CHAT_MISSED_AFTER_SECONDS, logger).sweepsEvery().start();
    return {
      services: { conversations, messages },
      createLoaders: (viewer) => new ChatLoaders(orm.em as never, viewer),
      async stop() {
        await missed.stop();
        await stopConsuming();
        await outbox.close();
      },
    };
  },
};
