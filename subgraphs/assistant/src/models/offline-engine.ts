import { randomUUID } from 'node:crypto';
import type { CallbackManagerForLLMRun } from '@langchain/core/callbacks/manager';
import { type BaseLanguageModelInput, isOpenAITool } from '@langchain/core/language_models/base';
import {
  BaseChatModel,
  type BaseChatModelCallOptions,
  type BaseChatModelParams,
  type BindToolsInput,
} from '@langchain/core/language_models/chat_models';
import {
  AIMessage,
  AIMessageChunk,
  type BaseMessage,
  HumanMessage,
  type ToolCall,
  ToolMessage,
  type UsageMetadata,
} from '@langchain/core/messages';
import { ChatGenerationChunk, type ChatResult } from '@langchain/core/outputs';
import type { Runnable } from '@langchain/core/runnables';
import { IntentClassifier } from './intent-classifier.js';
import type { BotIntent } from '../bot.entity.js';

/**
 * A chat model with no language model behind it, for running PeerLink's assistant offline. It sits in the same
 * LangGraph agent as a real model (agent → tools → agent): it recognises the question's intent from examples,
 * asks for that intent's tool, then answers with what the tool returned, adding nothing of its own beyond the
 * bot's configured text. Its type (`peerlink-offline`) and every reply's metadata say what it is.
 */

export type { BotIntent };

export interface OfflineChatModelFields extends BaseChatModelParams {
  intents: BotIntent[];
  /** The reply when no intent matches. */
  fallback: string;
  /** See IntentClassifierOptions. */
  minConfidence?: number;
}

export interface OfflineChatModelCallOptions extends BaseChatModelCallOptions {
  /** Set by `bindTools`; the model only ever calls a tool named here. */
  tools?: BindToolsInput[];
}

export const OFFLINE_MODEL_TYPE = 'peerlink-offline';

export const NOTHING_FOUND = 'I looked, but found nothing for that.';
export const LOOKUP_FAILED = 'Sorry, I could not look that up just now. Please try again later.';

interface Reply {
  text: string;
  toolCall?: ToolCall;
  /** Where the reply came from, kept in the message's response_metadata. */
  intent?: string;
  confidence?: number;
}

/** Reply metadata key naming the intent; the answer after a tool call reads it off the call's message. */
const INTENT_KEY = 'intent';

function wordCount(text: string): number {
  return text.match(/\S+/g)?.length ?? 0;
}

/** Each word with the whitespace after it (leading whitespace stays with the first), so the pieces join back. */
function wordsOf(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
}

function toolNameOf(tool: BindToolsInput): string | undefined {
  if (isOpenAITool(tool)) return tool.function.name;
  return typeof tool.name === 'string' ? tool.name : undefined;
}

export class OfflineChatModel extends BaseChatModel<OfflineChatModelCallOptions> {
  private readonly intents: Map<string, BotIntent>;
  private readonly classifier: IntentClassifier;
  private readonly fallback: string;

  static override lc_name() {
    return 'OfflineChatModel';
  }

  constructor(fields: OfflineChatModelFields) {
    super(fields);
    this.intents = new Map(fields.intents.map((intent) => [intent.name, intent]));
    this.classifier = new IntentClassifier(fields.intents, { minConfidence: fields.minConfidence });
    this.fallback = fields.fallback;
  }

  override _llmType(): string {
    return OFFLINE_MODEL_TYPE;
  }

  override bindTools(
    tools: BindToolsInput[],
    kwargs?: Partial<OfflineChatModelCallOptions>,
  ): Runnable<BaseLanguageModelInput, AIMessageChunk, OfflineChatModelCallOptions> {
    return this.withConfig({ ...kwargs, tools });
  }

  override async _generate(messages: BaseMessage[], options: this['ParsedCallOptions']): Promise<ChatResult> {
    const reply = this.replyTo(messages, options);
    const message = new AIMessage({
      id: `offline-${randomUUID()}`,
      content: reply.text,
      tool_calls: reply.toolCall ? [reply.toolCall] : [],
      usage_metadata: usageOf(messages, reply),
      response_metadata: metadataOf(reply),
    });
    return { generations: [{ text: reply.text, message }] };
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this['ParsedCallOptions'],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const reply = this.replyTo(messages, options);
    const id = `offline-${randomUUID()}`;
    const final = { usage_metadata: usageOf(messages, reply), response_metadata: metadataOf(reply) };
    if (reply.toolCall) {
      const { id: callId, name, args } = reply.toolCall;
      const toolCallChunk = {
        id: callId,
        name,
        args: JSON.stringify(args),
        index: 0,
        type: 'tool_call_chunk' as const,
      };
      const chunk = new ChatGenerationChunk({
        text: '',
        message: new AIMessageChunk({ id, content: '', tool_call_chunks: [toolCallChunk], ...final }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken('', undefined, undefined, undefined, undefined, { chunk });
      return;
    }
    const words = wordsOf(reply.text);
    for (const [index, word] of words.entries()) {
      const last = index === words.length - 1;
      const chunk = new ChatGenerationChunk({
        text: word,
        message: new AIMessageChunk({ id, content: word, ...(last ? final : {}) }),
      });
      yield chunk;
      await runManager?.handleLLMNewToken(word, undefined, undefined, undefined, undefined, { chunk });
    }
  }

  private replyTo(messages: BaseMessage[], options: OfflineChatModelCallOptions): Reply {
    const questionIndex = messages.findLastIndex((message) => HumanMessage.isInstance(message));
    if (questionIndex < 0) return { text: this.fallback };
    const sinceQuestion = messages.slice(questionIndex + 1);
    const toolResults = sinceQuestion.filter((message) => ToolMessage.isInstance(message));
    if (toolResults.length) return this.answerFrom(toolResults, sinceQuestion);

    const question = messages[questionIndex]!.text;
    const match = this.classifier.classify(question);
    const intent = match && this.intents.get(match.name);
    if (!match || !intent) return { text: this.fallback };
    const bound = new Set((options.tools ?? []).map(toolNameOf));
    if (intent.tool && bound.has(intent.tool)) {
      const toolCall: ToolCall = {
        id: `call_${randomUUID()}`,
        name: intent.tool,
        args: { query: question },
        type: 'tool_call',
      };
      return { text: '', toolCall, intent: intent.name, confidence: match.confidence };
    }
    // An intent whose tool this model was not given can still say its answer, but never calls the tool.
    return { text: intent.answer ?? this.fallback, intent: intent.name, confidence: match.confidence };
  }

  /** The tools' own words, then the intent's answer if it has one. */
  private answerFrom(toolResults: ToolMessage[], sinceQuestion: BaseMessage[]): Reply {
    const request = sinceQuestion.findLast((message) => AIMessage.isInstance(message) && message.tool_calls?.length);
    const intentName = (request?.response_metadata as Record<string, unknown> | undefined)?.[INTENT_KEY];
    const intent = typeof intentName === 'string' ? this.intents.get(intentName) : undefined;
    // A failed tool's message is an error for the model ("Error: … Please fix your mistakes."), not for the user.
    const answered = toolResults.filter((result) => result.status !== 'error');
    const found = answered.map((result) => result.text.trim()).filter(Boolean);
    const said = found.length ? found.join('\n\n') : answered.length ? NOTHING_FOUND : LOOKUP_FAILED;
    return { text: intent?.answer ? `${said}\n\n${intent.answer}` : said, intent: intent?.name };
  }
}

function usageOf(messages: BaseMessage[], reply: Reply): UsageMetadata {
  // Words stand in for tokens: there is no tokenizer, and a word is what this engine reads and writes.
  const input_tokens = messages.reduce((sum, message) => sum + wordCount(message.text), 0);
  const output_tokens = wordCount(reply.text) + (reply.toolCall ? wordCount(String(reply.toolCall.args.query)) : 0);
  return { input_tokens, output_tokens, total_tokens: input_tokens + output_tokens };
}

function metadataOf(reply: Reply): Record<string, unknown> {
  const metadata: Record<string, unknown> = { model_name: OFFLINE_MODEL_TYPE };
  if (reply.intent) metadata[INTENT_KEY] = reply.intent;
  if (reply.confidence !== undefined) metadata.intent_confidence = reply.confidence;
  return metadata;
}
