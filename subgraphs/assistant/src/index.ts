import type { AssistantEvents, AssistantSignals } from '@peerlink/contracts/assistant';
import type { ChatEvents } from '@peerlink/contracts/chat';
import { Repeating } from '@peerlink/platform/background/repeating';
import { consumeEvents } from '@peerlink/platform/events/consumer';
import { Outbox } from '@peerlink/platform/events/outbox';
import { signaller } from '@peerlink/platform/events/signals';
import { ConfigError } from '@peerlink/platform/config';
import type { SubgraphDefinition } from '@peerlink/platform/graphql/subgraph';
import { Agents } from './agents.js';
import { AnalysisResolver } from './analysis.resolver.js';
import { Bot } from './bot.entity.js';
import { BotResolver } from './bot.resolver.js';
import { BotService } from './bot.service.js';
import { ChatMentions } from './chat-mentions.js';
import { assistantConfig, type AssistantConfig } from './config.js';
import type { AssistantServices } from './context.js';
import { SqlCheckpointSaver } from './graph/sql-checkpoint-saver.js';
import { Memory } from './memory.entity.js';
import { MemoryResolver } from './memory.resolver.js';
import { MemoryService } from './memory.service.js';
import { migrations } from './migrations/index.js';
import { chatModelProvider } from './models/chat-model-provider.js';
import { ReplyService } from './reply.service.js';
import {
  MessageSentimentResolver,
  PostSentimentResolver,
  sentimentEntityStubs,
  sentimentReferences,
} from './sentiment.resolver.js';
import { AssistantMessage, AssistantThread } from './thread.entity.js';
import { AssistantThreadResolver } from './thread.resolver.js';
import { ThreadService } from './thread.service.js';
import { GatewayClient } from './tools/gateway-client.js';

/** Bots that answer questions, stream their replies, look things up through the graph as the user, and remember. */
export const assistant: SubgraphDefinition<AssistantServices, Record<string, never>, AssistantConfig> = {
  name: 'assistant',
  config: assistantConfig,
  entities: [Bot, AssistantThread, AssistantMessage, Memory],
  migrations,
  resolvers: [
    AssistantThreadResolver,
    BotResolver,
    MemoryResolver,
    AnalysisResolver,
    MessageSentimentResolver,
    PostSentimentResolver,
  ],
  orphanedTypes: sentimentEntityStubs,
  references: {
    AssistantThread: async (reference: { id: string }, ctx: { services: AssistantServices; viewer: never }) =>
      ctx.services.threads.get(ctx.viewer, reference.id).catch(() => null),
    ...sentimentReferences,
  },

  async start(infrastructure, orm, settings) {
    const { bus, config, logger } = infrastructure;
    const signingKey = config.assistantKeys?.privateKey;
    if (!signingKey) throw new ConfigError(['ASSISTANT_PRIVATE_KEY: required by the assistant']);
    const outbox = new Outbox<AssistantEvents>(orm, bus, logger);
    const em = orm.em as never;
    const bots = new BotService(em);
    await bots.installBuiltIns();
    const provider = chatModelProvider(settings);
    const gateway = new GatewayClient(
      () => settings.ASSISTANT_GATEWAY_URL ?? infrastructure.gatewayUrl ?? `${config.publicUrl}/graphql`,
      signingKey,
      config.UPSTREAM_TIMEOUT_MS,
    );
    const memories = new MemoryService(em);
    const agents = new Agents(
      provider,
      gateway,
      memories,
      new SqlCheckpointSaver(orm as never, orm.config.get('schema')!),
      settings,
    );
    const replies = new ReplyService(
      em,
      outbox,
      signaller<AssistantSignals>(bus),
      agents,
      provider.kind,
      settings,
      logger,
    );
    const threads = new ThreadService(em, outbox, replies, bots, settings);
    const mentions = new ChatMentions(em, outbox, agents, bots, gateway, settings, logger);
    const stopConsuming = await consumeEvents<ChatEvents, AssistantEvents>({
      bus,
      outbox,
      consumer: 'assistant',
      handlers: mentions.handlers(),
      logger,
    });
    const background = [
      new Repeating('abandoned replies', 30_000, () => replies.failAbandoned(), logger).start(),
      new Repeating('chat mentions', 1000, () => mentions.answerPending(), logger).start(),
    ];
    return {
      services: { threads, bots, memories, provider },
      createLoaders: () => ({}),
      async stop() {
        await stopConsuming();
        mentions.stop();
        for (const work of background) await work.stop();
        await replies.stop();
        await outbox.close();
      },
    };
  },
};

export type { AssistantServices } from './context.js';
