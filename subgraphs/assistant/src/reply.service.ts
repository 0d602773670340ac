import { subgraphMetrics } from '@peerlink/platform/metrics';
import type { AIMessage, AIMessageChunk, BaseMessage } from '@langchain/core/messages';
import { HumanMessage, RemoveMessage } from '@langchain/core/messages';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AssistantEvents, AssistantSignals } from '@peerlink/contracts/assistant';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import type { Outbox } from '@peerlink/platform/events/outbox';
import type { Signal } from '@peerlink/platform/events/signals';
import type { Logger } from '@peerlink/platform/logger';
import type { Agents } from './agents.js';
import type { Bot } from './bot.entity.js';
import type { AssistantConfig } from './config.js';
import { ReplyEventKind, streamDelta, tellReply } from './live.js';
import { AssistantMessage, AssistantThread, MessageRole, MessageStatus, type ToolCall } from './thread.entity.js';

/** How often a reply's text so far is saved, for a subscriber who joins mid-reply (`current: true`). */
const SAVE_PROGRESS_MS = 500;

export interface ReplyJob {
  viewer: Viewer;
  thread: AssistantThread;
  bot: Bot;
  question: AssistantMessage;
  reply: AssistantMessage;
}

/**
 * Writes replies. The question and an empty STREAMING reply are committed first (thread.service.ts);
 * the model then runs with no transaction open and a deadline, its words sent to the owner as they
 * come, and the outcome is recorded in a short transaction of its own: COMPLETE, or FAILED with a code.
 */
export class ReplyService {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  constructor(
    private readonly em: EntityManager,
    private readonly outbox: Outbox<AssistantEvents>,
    private readonly signal: Signal<AssistantSignals>,
    private readonly agents: Agents,
    private readonly providerKind: string,
    private readonly settings: AssistantConfig,
    private readonly logger: Logger,
  ) {}

  /**
   * Starts writing the reply; it goes on after the request that asked has been answered. At most
   * ASSISTANT_MAX_CONCURRENT_REPLIES are written at once; the others wait their turn, so a burst
   * leaves the process able to answer its API.
   */
  start(job: ReplyJob): void {
    const controller = new AbortController();
    const done = this.turn()
      .then(() => this.write(job, controller.signal).finally(() => this.release()))
      .catch((error) => this.logger.error({ err: error, threadId: job.thread.id }, 'reply not recorded'))
      .finally(() => this.running.delete(job.reply.id));
    this.running.set(job.reply.id, { controller, done });
  }

  private writing = 0;
  private readonly waiting: (() => void)[] = [];

  private async turn(): Promise<void> {
    if (this.writing < this.settings.ASSISTANT_MAX_CONCURRENT_REPLIES) {
      this.writing++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** The slot goes to the next reply waiting, if any. */
  private release() {
    const next = this.waiting.shift();
    if (next) next();
    else this.writing--;
  }

  private async write({ viewer, thread, bot, question, reply }: ReplyJob, stopped: AbortSignal): Promise<void> {
    // Its turn may come late (ASSISTANT_MAX_CONCURRENT_REPLIES): a reply the sweeper failed meanwhile, or
    // one asked again since, is not written twice. The deadline's clock starts now.
    const started = await this.em
      .fork()
      .nativeUpdate(
        AssistantMessage,
        { id: reply.id, status: MessageStatus.STREAMING, startedAt: reply.startedAt },
        { startedAt: new Date() },
      );
    if (!started) return;
    const deadline = AbortSignal.any([
      stopped,
      AbortSignal.timeout(this.settings.ASSISTANT_REPLY_DEADLINE_SECONDS * 1000),
    ]);
    const facts = { threadId: thread.id, messageId: reply.id, ownerId: thread.ownerId };
    let text = '';
    let deltas = 0;
    let savedAt = Date.now();
    const toolCalls: ToolCall[] = [];
    const toolAnswers: string[] = [];
    let tokens = 0;
    const startedAt = performance.now();
    let timed = false;
    // Once per reply: compacting the thread after a complete reply may fail too, and must not count it again.
    const took = (outcome: 'complete' | 'failed') => {
      if (timed) return;
      timed = true;
      replyDuration().observe({ provider: this.providerKind, outcome }, (performance.now() - startedAt) / 1000);
    };
    try {
      const graph = await this.agents.for(viewer, bot, { threadId: thread.id });
      const config = {
        configurable: { thread_id: thread.id },
        streamMode: ['messages', 'updates'] as ('messages' | 'updates')[],
        signal: deadline,
        recursionLimit: 10,
      };
      // A retry takes back what the failed try left in the thread (its question onwards) and asks again.
      const before = ((await graph.getState(config)).values.messages ?? []) as BaseMessage[];
      const tried = before.findIndex((message) => message.id === question.id);
      const retracted = tried < 0 ? [] : before.slice(tried).map((message) => new RemoveMessage({ id: message.id! }));
      const asked = new HumanMessage({ content: question.content, id: question.id });
      const stream = await graph.stream({ messages: [...retracted, asked] }, config);
      for await (const [mode, payload] of stream as AsyncIterable<[string, unknown]>) {
        if (mode === 'messages') {
          const [chunk, metadata] = payload as [AIMessageChunk, { langgraph_node?: string }];
          const delta = metadata.langgraph_node === 'agent' && typeof chunk.content === 'string' ? chunk.content : '';
          if (!delta) continue;
          text += delta;
          await streamDelta(this.signal, facts, delta, deltas++);
          if (Date.now() - savedAt >= SAVE_PROGRESS_MS) {
            savedAt = Date.now();
            await this.saveProgress(reply.id, text, deltas);
          }
        } else {
          const update = payload as Record<string, { messages?: BaseMessage[] } | undefined>;
          for (const message of update.agent?.messages ?? []) {
            const ai = message as AIMessage;
            tokens += ai.usage_metadata?.total_tokens ?? 0;
            for (const call of ai.tool_calls ?? [])
              toolCalls.push({ name: call.name, arguments: JSON.stringify(call.args) });
          }
          for (const message of update.tools?.messages ?? []) toolAnswers.push(String(message.content));
        }
      }
      if (deadline.aborted) throw deadline.reason;
      await this.finish(reply.id, thread, {
        text,
        deltas,
        toolCalls,
        toolAnswers,
        tokens,
        status: MessageStatus.COMPLETE,
      });
      took('complete');
      await this.agents.compact(thread.id);
    } catch (error) {
      took('failed');
      const timedOut = deadline.aborted && !stopped.aborted;
      this.logger.warn(
        { threadId: thread.id, provider: this.providerKind, reason: timedOut ? 'deadline' : (error as Error).message },
        'reply failed',
      );
      await this.finish(reply.id, thread, {
        text,
        deltas,
        toolCalls,
        toolAnswers,
        tokens,
        status: MessageStatus.FAILED,
        errorCode: 'SERVICE_UNAVAILABLE',
      });
    }
  }

  private async saveProgress(replyId: string, content: string, deltas: number) {
    await this.em
      .fork()
      .nativeUpdate(AssistantMessage, { id: replyId, status: MessageStatus.STREAMING }, { content, deltas });
  }

  private async finish(
    replyId: string,
    thread: AssistantThread,
    outcome: {
      text: string;
      deltas: number;
      toolCalls: ToolCall[];
      toolAnswers: string[];
      tokens: number;
      status: MessageStatus;
      errorCode?: string;
    },
  ) {
    await this.outbox.transaction(async (em, publish) => {
      const reply = await em.findOneOrFail(AssistantMessage, replyId, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (reply.status !== MessageStatus.STREAMING) return;
      // A tool's answer is kept beside the reply: what the user sees the assistant based it on.
      for (const answer of outcome.toolAnswers)
        em.create(AssistantMessage, {
          threadId: thread.id,
          ownerId: thread.ownerId,
          role: MessageRole.TOOL,
          content: answer,
          status: MessageStatus.COMPLETE,
          replyToId: reply.replyToId,
          // Between the question and the reply (thread.service.ts gives the reply a later time).
          createdAt: new Date(reply.createdAt.getTime() - 1),
        });
      reply.content = outcome.text;
      reply.deltas = outcome.deltas;
      reply.toolCalls = outcome.toolCalls;
      reply.tokens = outcome.tokens;
      reply.status = outcome.status;
      reply.errorCode = outcome.errorCode ?? null;
      await em.nativeUpdate(AssistantThread, { id: thread.id }, { updatedAt: new Date() });
      const kind = outcome.status === MessageStatus.COMPLETE ? ReplyEventKind.COMPLETE : ReplyEventKind.FAILED;
      tellReply(publish, { kind, threadId: thread.id, messageId: reply.id }, thread.ownerId);
    });
  }

  /**
   * Fails the replies whose process stopped mid-way (a crash, a deploy): still STREAMING well past the
   * deadline. Their questions stay, to be asked again.
   */
  async failAbandoned(): Promise<void> {
    const graceMs = 30_000;
    const before = new Date(Date.now() - this.settings.ASSISTANT_REPLY_DEADLINE_SECONDS * 1000 - graceMs);
    const abandoned = await this.em
      .fork()
      .find(AssistantMessage, { status: MessageStatus.STREAMING, startedAt: { $lt: before } }, { limit: 100 });
    for (const reply of abandoned) {
      const thread = await this.em.fork().findOneOrFail(AssistantThread, reply.threadId);
      await this.finish(reply.id, thread, {
        text: reply.content,
        deltas: reply.deltas,
        toolCalls: reply.toolCalls,
        toolAnswers: [],
        tokens: reply.tokens,
        status: MessageStatus.FAILED,
        errorCode: 'SERVICE_UNAVAILABLE',
      });
    }
  }

  /** Stops every reply in progress (they end FAILED) and waits for them to be recorded. */
  async stop() {
    for (const { controller } of this.running.values()) controller.abort();
    await Promise.all([...this.running.values()].map(({ done }) => done));
  }
}

/** From a reply's start to its last word (or its failure), by provider: what a user waits for a whole answer. */
const replyDuration = () =>
  subgraphMetrics('assistant').histogram<'provider' | 'outcome'>({
    name: 'peerlink_assistant_reply_duration_seconds',
    help: 'Assistant replies, from start to the last word or failure, by provider and outcome',
    labelNames: ['provider', 'outcome'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
  });
