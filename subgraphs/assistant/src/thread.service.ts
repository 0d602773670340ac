import { type EntityManager, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import type { AssistantEvents } from '@peerlink/contracts/assistant';
import type { Viewer } from '@peerlink/platform/auth/viewer';
import { AppError, badInput, conflict, notFound } from '@peerlink/platform/errors';
import type { Outbox } from '@peerlink/platform/events/outbox';
import { decodeCursor, encodeCursor, olderThan, pageInfoOf, pageSize } from '@peerlink/platform/graphql/pagination';
import { isUuid } from '@peerlink/platform/ids';
import type { BotService } from './bot.service.js';
import type { AssistantConfig } from './config.js';
import { AssistantReplyEvent, parseReplyEventId, ReplyEventKind, replyEventId } from './live.js';
import type { ReplyService } from './reply.service.js';
import { overLimits, usageOf } from './usage.js';
import { AssistantMessage, AssistantThread, MessageRole, MessageStatus } from './thread.entity.js';

export interface AskInput {
  threadId?: string | null;
  bot?: string | null;
  message: string;
  clientMessageId: string;
}

const MAX_CLIENT_MESSAGE_ID = 100;
const TITLE_CHARS = 80;

/** Threads and their messages: asking stores the question at once, and the reply is written after. */
export class ThreadService {
  constructor(
    private readonly em: EntityManager,
    private readonly outbox: Outbox<AssistantEvents>,
    private readonly replies: ReplyService,
    private readonly bots: BotService,
    private readonly settings: AssistantConfig,
  ) {}

  async ask(viewer: Viewer, input: AskInput): Promise<AssistantThread> {
    const text = input.message.trim();
    if (!text) throw badInput('Ask something.', 'message');
    if (text.length > this.settings.ASSISTANT_MAX_INPUT_CHARS)
      throw badInput(`A question holds at most ${this.settings.ASSISTANT_MAX_INPUT_CHARS} characters.`, 'message');
    const clientMessageId = input.clientMessageId.trim();
    if (!clientMessageId || clientMessageId.length > MAX_CLIENT_MESSAGE_ID)
      throw badInput(`clientMessageId: 1 to ${MAX_CLIENT_MESSAGE_ID} characters.`, 'clientMessageId');

    const asked = await this.askedBefore(viewer, clientMessageId);
    if (asked) return asked;
    const existing = input.threadId ? await this.get(viewer, input.threadId) : null;
    const bot = existing ? await this.bots.byId(existing.botId) : await this.bots.bySlug(input.bot ?? undefined);
    if (existing && input.bot && input.bot !== bot.slug)
      throw badInput(`This thread is with ${bot.slug}; start a new thread to ask ${input.bot}.`, 'bot');
    if (
      existing &&
      (await this.em.fork().count(AssistantMessage, { threadId: existing.id, status: MessageStatus.STREAMING }))
    )
      throw stillAnswering();

    let job;
    try {
      job = await this.outbox.transaction(async (em, publish) => {
        await this.withinLimits(em, viewer);
        const thread =
          existing ?? em.create(AssistantThread, { ownerId: viewer.userId, botId: bot.id, title: titleOf(text) });
        const now = new Date();
        if (existing) await em.nativeUpdate(AssistantThread, { id: existing.id }, { updatedAt: now });
        // Its messages refer to it, and the ORM knows nothing of that (no relation): the thread goes in first.
        else await em.flush();
        const question = em.create(AssistantMessage, {
          threadId: thread.id,
          ownerId: viewer.userId,
          role: MessageRole.USER,
          content: text,
          status: MessageStatus.COMPLETE,
          clientMessageId,
          createdAt: now,
        });
        // After the question and the tool answers the reply is based on (reply.service.ts).
        const reply = em.create(AssistantMessage, {
          threadId: thread.id,
          ownerId: viewer.userId,
          role: MessageRole.ASSISTANT,
          content: '',
          status: MessageStatus.STREAMING,
          replyToId: question.id,
          createdAt: new Date(now.getTime() + 2),
          startedAt: now,
        });
        publish('assistant.question.asked', {
          userId: viewer.userId,
          threadId: thread.id,
          messageId: question.id,
          bot: bot.slug,
          at: now.toISOString(),
        });
        return { viewer, thread, bot, question, reply };
      });
    } catch (error) {
      // The same question sent twice at once: the first one stored it.
      if (error instanceof UniqueConstraintViolationException) {
        const first = await this.askedBefore(viewer, clientMessageId);
        if (first) return first;
        if (answering(error)) throw stillAnswering();
      }
      throw error;
    }
    this.replies.start(job);
    return job.thread;
  }

  /** Asks a FAILED reply's question again, in the same reply. */
  async retry(viewer: Viewer, messageId: string): Promise<AssistantThread> {
    if (!isUuid(messageId)) throw notFound('Assistant message');
    const em = this.em.fork();
    const reply = await em.findOne(AssistantMessage, {
      id: messageId,
      ownerId: viewer.userId,
      role: MessageRole.ASSISTANT,
    });
    if (!reply) throw notFound('Assistant message');
    if (reply.status !== MessageStatus.FAILED) throw conflict('Only a FAILED reply can be asked again.', 'messageId');
    // Asking an older question again would take back everything said after it.
    const latest = await em.findOne(
      AssistantMessage,
      { threadId: reply.threadId, role: MessageRole.ASSISTANT },
      { orderBy: { createdAt: 'desc', id: 'desc' } },
    );
    if (latest?.id !== reply.id)
      throw conflict('Only the thread’s latest reply can be asked again; ask anew instead.', 'messageId');
    await this.outbox.transaction((tx) => this.withinLimits(tx, viewer));
    const thread = await em.findOneOrFail(AssistantThread, reply.threadId);
    const question = await em.findOneOrFail(AssistantMessage, reply.replyToId!);
    const bot = await this.bots.byId(thread.botId);
    const claimed = await em
      .nativeUpdate(
        AssistantMessage,
        { id: reply.id, status: MessageStatus.FAILED },
        {
          status: MessageStatus.STREAMING,
          errorCode: null,
          content: '',
          deltas: 0,
          toolCalls: [],
          startedAt: new Date(),
        },
      )
      .catch((error: Error) => {
        throw error instanceof UniqueConstraintViolationException && answering(error) ? stillAnswering() : error;
      });
    if (!claimed) throw conflict('That reply is being asked again already.', 'messageId');
    await em.nativeDelete(AssistantMessage, { replyToId: question.id, role: MessageRole.TOOL });
    await em.refresh(reply);
    this.replies.start({ viewer, thread, bot, question, reply });
    return thread;
  }

  /** The owner's thread, or NOT_FOUND for anyone else (as for one that does not exist). */
  async get(viewer: Viewer, id: string): Promise<AssistantThread> {
    const thread = isUuid(id) ? await this.em.fork().findOne(AssistantThread, { id, ownerId: viewer.userId }) : null;
    if (!thread) throw notFound('Assistant thread');
    return thread;
  }

  /** The viewer's threads, the most recently active first. */
  async list(viewer: Viewer, first: number | null | undefined, after: string | null | undefined) {
    const size = pageSize(first, 20);
    const cursor = decodeCursor(after);
    const found = await this.em.fork().find(
      AssistantThread,
      {
        ownerId: viewer.userId,
        ...(cursor
          ? { $or: [{ updatedAt: { $lt: cursor.createdAt } }, { updatedAt: cursor.createdAt, id: { $lt: cursor.id } }] }
          : {}),
      },
      { orderBy: { updatedAt: 'desc', id: 'desc' }, limit: size + 1 },
    );
    const edges = found
      .slice(0, size)
      .map((node) => ({ node, cursor: encodeCursor({ createdAt: node.updatedAt, id: node.id }) }));
    return { edges, pageInfo: pageInfoOf(edges, found.length > size, after) };
  }

  /** A thread's messages, newest first: `before` pages back through older ones. */
  async messages(thread: AssistantThread, first: number | null | undefined, before: string | null | undefined) {
    const size = pageSize(first, 50);
    const found = await this.em
      .fork()
      .find(
        AssistantMessage,
        { threadId: thread.id, ...olderThan(decodeCursor(before, 'before')) },
        { orderBy: { createdAt: 'desc', id: 'desc' }, limit: size + 1 },
      );
    const edges = found.slice(0, size).map((node) => ({ node, cursor: encodeCursor(node) }));
    return { edges, pageInfo: pageInfoOf(edges, found.length > size, before) };
  }

  /** One COMPLETE, FAILED or CURRENT event, for its thread's owner: what the gateway resolves subscriptions with. */
  async replyEvent(viewer: Viewer, id: string): Promise<AssistantReplyEvent> {
    const { kind, threadId, messageId } = parseReplyEventId(id);
    await this.get(viewer, threadId).catch(() => {
      throw notFound('Assistant reply event');
    });
    const message = await this.em.fork().findOne(AssistantMessage, { id: messageId, threadId });
    if (!message) throw notFound('Assistant reply event');
    // A CURRENT event read later says what the reply holds now: its text and deltas agree.
    const delta = kind === ReplyEventKind.CURRENT ? message.content : null;
    return { id, kind, threadId, delta, index: message.deltas, message };
  }

  /** The thread's latest reply as it is now: what `assistantReply(current: true)` sends first. */
  async replyNow(viewer: Viewer, threadId: string): Promise<AssistantReplyEvent | null> {
    const thread = await this.get(viewer, threadId);
    const latest = await this.em
      .fork()
      .findOne(
        AssistantMessage,
        { threadId: thread.id, role: MessageRole.ASSISTANT },
        { orderBy: { createdAt: 'desc', id: 'desc' } },
      );
    if (!latest) return null;
    const id = replyEventId({ kind: ReplyEventKind.CURRENT, threadId: thread.id, messageId: latest.id });
    return {
      id,
      kind: ReplyEventKind.CURRENT,
      threadId: thread.id,
      delta: latest.content,
      index: latest.deltas,
      message: latest,
    };
  }

  /**
   * Questions and tokens per user in the window (ASSISTANT_*_PER_WINDOW): RATE_LIMITED past either. In
   * the transaction that stores the question, under a lock on the user, so questions sent at once are
   * counted one after the other.
   */
  private async withinLimits(em: EntityManager, viewer: Viewer) {
    if (overLimits(await usageOf(em, viewer.userId, this.settings), this.settings))
      throw new AppError('RATE_LIMITED', 'You have asked the assistant a lot lately; try again later.', {
        retryAfterSeconds: this.settings.ASSISTANT_WINDOW_SECONDS,
      });
  }

  private async askedBefore(viewer: Viewer, clientMessageId: string): Promise<AssistantThread | null> {
    const em = this.em.fork();
    const question = await em.findOne(AssistantMessage, { ownerId: viewer.userId, clientMessageId });
    return question && em.findOneOrFail(AssistantThread, question.threadId);
  }
}

const titleOf = (text: string) => (text.length > TITLE_CHARS ? `${text.slice(0, TITLE_CHARS - 1)}…` : text);

const stillAnswering = () => conflict('The assistant is still answering in this thread: wait for its reply, then ask.');
/** The violation is of "one reply at a time per thread" (the migration's messages_one_streaming). */
const answering = (error: Error) => error.message.includes('messages_one_streaming');
