import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { ChatOllama } from '@langchain/ollama';
import { ChatOpenAI } from '@langchain/openai';
import type { AssistantConfig } from '../config.js';
import type { Bot } from '../bot.entity.js';
import { OfflineChatModel } from './offline-engine.js';

/**
 * Who writes the answers, chosen by ASSISTANT_PROVIDER. Every provider's model runs in the same
 * LangGraph agent with the same tools; only the words differ.
 */
export interface ChatModelProvider {
  readonly kind: AssistantConfig['ASSISTANT_PROVIDER'];
  /** A model for this bot, its tools not yet bound. */
  modelFor(bot: Bot): BaseChatModel;
  /** What users are told about who answers, after the bot's own description. */
  readonly disclosure: string;
}

export function chatModelProvider(settings: AssistantConfig): ChatModelProvider {
  switch (settings.ASSISTANT_PROVIDER) {
    case 'openai':
      return {
        kind: 'openai',
        disclosure: `Answers are written by the language model ${settings.ASSISTANT_MODEL}.`,
        modelFor: () =>
          new ChatOpenAI({
            model: settings.ASSISTANT_MODEL!,
            // Some OpenAI-compatible servers (a local vLLM or llama.cpp) take no key; the SDK wants one anyway.
            apiKey: settings.ASSISTANT_OPENAI_API_KEY ?? 'none',
            configuration: { baseURL: settings.ASSISTANT_OPENAI_BASE_URL },
            // No `streaming: true`: LangGraph's 'messages' mode streams the reply anyway, and with the flag
            // invoke() counts tokens with tiktoken, which downloads its encodings.
            streamUsage: true,
            // The reply has its own deadline; a retry inside it would only hide a provider that is down.
            maxRetries: 0,
          }),
      };
    case 'ollama':
      return {
        kind: 'ollama',
        disclosure: `Answers are written by the language model ${settings.ASSISTANT_MODEL} (Ollama).`,
        modelFor: () =>
          new ChatOllama({
            model: settings.ASSISTANT_MODEL!,
            baseUrl: settings.ASSISTANT_OLLAMA_URL,
            // @langchain/ollama 1.3 does not hand the run's abort signal to its HTTP request, so a reply past
            // its deadline would leave Ollama generating: each request is cut at the deadline here instead.
            fetch: (input, init) =>
              fetch(input, {
                ...init,
                signal: AbortSignal.any([
                  ...(init?.signal ? [init.signal] : []),
                  AbortSignal.timeout(settings.ASSISTANT_REPLY_DEADLINE_SECONDS * 1000),
                ]),
              }),
          }),
      };
    default:
      return {
        kind: 'embedded',
        disclosure:
          'Answered by PeerLink’s offline engine, not a language model: it recognises what you ask from examples, ' +
          'looks it up with the same tools, and tells you what they found.',
        modelFor: (bot) =>
          new OfflineChatModel({
            intents: bot.intents,
            fallback:
              `I can help with: ${bot.intents.map((intent) => intent.name.replaceAll('_', ' ')).join(', ')}. ` +
              `Ask me about one of these.`,
          }),
      };
  }
}
