import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AskAssistantDocument,
  AssistantBotsDocument,
  AssistantChatMessagesDocument,
  AssistantMemoriesDocument,
  AssistantReplyDocument,
  AssistantThreadDocument,
  AssistantThreadsDocument,
  CreateAssistantBotDocument,
  ForgetAllAssistantMemoriesDocument,
  ForgetAssistantMemoryDocument,
  RetryAssistantReplyDocument,
  UpdateAssistantBotDocument,
} from './generated/graphql.js';
import { ask, askAndFollow, askFollowing, follow, messagesOf } from './support/assistant.js';
import { chatHelpers } from './support/chat.js';
import { localOnlyFetch } from './support/local-only-fetch.js';
import { codes, ok, request, Subscription, wsClient } from './support/client.js';
import { type FakeOpenAI, type RecordedRequest, startFakeOpenAI } from './support/fake-openai.js';
import { buy, listed, orderReaches, seller } from './support/marketplace.js';
import { makeAdmin, signUp, startTestStack, type TestStack } from './support/stack.js';
import { waitFor } from '@peerlink/platform/testing/wait-for';

/**
 * The assistant on an OpenAI-compatible provider: a local server speaking the chat-completions wire
 * format (SSE streaming included) with the real @langchain/openai in the path, against the real
 * PostgreSQL, NATS and Redis.
 */
const API_KEY = `sk-test-${randomUUID()}`;
const DEADLINE_SECONDS = 3;
let t: TestStack;
let fake: FakeOpenAI;
let network: ReturnType<typeof localOnlyFetch>;

beforeAll(async () => {
  // Nothing may leave the machine: the provider is local, and no tokenizer download may happen.
  network = localOnlyFetch();
  fake = await startFakeOpenAI({ apiKey: API_KEY });
  t = await startTestStack(
    {
      ASSISTANT_PROVIDER: 'openai',
      ASSISTANT_OPENAI_BASE_URL: fake.url,
      ASSISTANT_OPENAI_API_KEY: API_KEY,
      ASSISTANT_MODEL: 'fake-model',
      ASSISTANT_REPLY_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
      ASSISTANT_REQUESTS_PER_WINDOW: '8',
    },
    { captureLogs: true },
  );
});
afterEach(() => expect(network.outside).toEqual([]));
afterAll(async () => {
  await t?.stop();
  await fake?.close();
  network?.restore();
});

/** The messages the model was sent in a request, as role and text. */
const sent = (request: RecordedRequest) =>
  (request.body.messages as { role: string; content: unknown }[]).map((m) => ({
    role: m.role,
    content: typeof m.content === 'string' ? m.content : JSON.stringify(m.content),
  }));
const lastRequest = () => fake.requests.at(-1)!;

describe('asking an OpenAI-compatible model', () => {
  it('streams the reply over graphql-ws in order, and stores it whole', async () => {
    const user = await signUp(t, 'asker');
    const first = await askAndFollow(t, user.token, { message: 'Hello there' });
    expect(first.end.message.status).toBe('COMPLETE');
    expect(first.messages.map((m) => [m.role, m.content])).toEqual([
      ['USER', 'Hello there'],
      ['ASSISTANT', 'You said: Hello there'],
    ]);
    expect(lastRequest().headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(lastRequest().body).toMatchObject({ model: 'fake-model', stream: true });

    const words = 'The quick brown fox jumps over the lazy dog, twice and then once more.';
    fake.reply({ content: words, tokenDelayMs: 10 });
    const reply = await askFollowing(t, user.token, first.threadId, { message: 'Tell me about the fox' });
    const deltas = reply.events.filter((e) => e.kind === 'DELTA');
    expect(deltas.map((e) => e.index)).toEqual(deltas.map((_, i) => i));
    expect(deltas.map((e) => e.delta)).toEqual(words.split(/(?<=\s)/));
    expect(reply.text).toBe(words);
    expect(reply.end).toMatchObject({ kind: 'COMPLETE', message: { status: 'COMPLETE' } });
    expect(reply.messages.at(-1)).toMatchObject({ role: 'ASSISTANT', status: 'COMPLETE', content: words });
    // The thread's history went to the model with the new question.
    expect(sent(lastRequest()).map((m) => m.content)).toEqual([
      expect.stringContaining('assistant inside PeerLink'),
      'Hello there',
      'You said: Hello there',
      'Tell me about the fox',
    ]);
  });

  it('runs a tool through the gateway as the asking user: their orders, and nobody else’s', async () => {
    const shop = await seller(t);
    const product = await listed(t, shop, { title: 'Copper kettle' });
    const buyer = await signUp(t, 'buyer');
    const { orders } = await buy(t, buyer, product.id);
    await orderReaches(t, buyer, orders[0]!.id, 'PAID');

    const toolThenAnswer = (request: RecordedRequest) => {
      const tool = sent(request).find((m) => m.role === 'tool');
      return tool
        ? { content: `Here is what I found. ${tool.content}` }
        : { toolCalls: [{ name: 'my_orders', arguments: {} }] };
    };
    fake.reply(toolThenAnswer);
    fake.reply(toolThenAnswer);
    const reply = await askAndFollow(t, buyer.token, { bot: 'shopping', message: 'Where is my kettle?' });
    const answer = reply.messages.at(-1)!;
    expect(answer.status).toBe('COMPLETE');
    expect(answer.toolCalls).toEqual([{ name: 'my_orders', arguments: '{}' }]);
    expect(answer.content).toMatch(/Copper kettle.*PAID/s);
    expect(reply.messages.map((m) => m.role)).toEqual(['USER', 'TOOL', 'ASSISTANT']);
    // The model was offered the bot's tools, and remember.
    const offered = (fake.requests.at(-2)!.body.tools as { function: { name: string } }[]).map((x) => x.function.name);
    expect(offered.sort()).toEqual(['my_orders', 'remember', 'search_catalog']);

    const other = await signUp(t, 'other');
    fake.reply(toolThenAnswer);
    fake.reply(toolThenAnswer);
    const theirs = await askAndFollow(t, other.token, { bot: 'shopping', message: 'Where is my kettle?' });
    expect(theirs.messages.at(-1)!.content).toBe('Here is what I found. You have no orders yet.');
  });

  it('remembers across threads what it was told to, and forgets it on request', async () => {
    const user = await signUp(t, 'memo');
    fake.reply({ toolCalls: [{ name: 'remember', arguments: { query: 'The user prefers vegan food' } }] });
    fake.reply({ content: 'Noted.' });
    await askAndFollow(t, user.token, { message: 'Remember that I am vegan' });
    const { assistantMemories } = await ok(t.url, AssistantMemoriesDocument, {}, user.token);
    expect(assistantMemories.map((m) => m.content)).toEqual(['The user prefers vegan food']);

    await askAndFollow(t, user.token, { message: 'What should I cook tonight?' });
    expect(sent(lastRequest())[0]!.content).toContain('The user prefers vegan food');

    // Nobody else sees or forgets it.
    const other = await signUp(t, 'memo');
    expect((await ok(t.url, AssistantMemoriesDocument, {}, other.token)).assistantMemories).toEqual([]);
    const id = assistantMemories[0]!.id;
    expect(await codes(t.url, ForgetAssistantMemoryDocument, { id }, other.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, ForgetAssistantMemoryDocument, { id: 'not-a-memory' }, user.token)).toEqual([
      'NOT_FOUND',
    ]);
    await askAndFollow(t, other.token, { message: 'What should I cook tonight?' });
    expect(sent(lastRequest())[0]!.content).not.toContain('vegan');

    expect((await ok(t.url, ForgetAssistantMemoryDocument, { id }, user.token)).forgetAssistantMemory).toBe(true);
    await askAndFollow(t, user.token, { message: 'What should I cook tomorrow?' });
    expect(sent(lastRequest())[0]!.content).not.toContain('vegan');
    expect((await ok(t.url, AssistantMemoriesDocument, {}, user.token)).assistantMemories).toEqual([]);

    fake.reply({ toolCalls: [{ name: 'remember', arguments: { query: 'Lives in Lisbon' } }] });
    fake.reply({ content: 'Noted.' });
    await askAndFollow(t, user.token, { message: 'I live in Lisbon' });
    expect((await ok(t.url, ForgetAllAssistantMemoriesDocument, {}, user.token)).forgetAllAssistantMemories).toBe(1);
  });

  it('keeps the question when the provider fails, ends the reply FAILED, and answers when asked again', async () => {
    const user = await signUp(t, 'fail');
    fake.reply({ error: { status: 500, message: 'The model is overloaded' } });
    const failed = await askAndFollow(t, user.token, { message: 'Are you there?' });
    expect(failed.end.message.status).toBe('FAILED');
    expect(failed.messages.map((m) => [m.role, m.status, m.errorCode])).toEqual([
      ['USER', 'COMPLETE', null],
      ['ASSISTANT', 'FAILED', 'SERVICE_UNAVAILABLE'],
    ]);
    // What the provider said stays in the assistant's log, never in the answer.
    expect(JSON.stringify(failed.messages)).not.toContain('overloaded');

    const reply = failed.messages[1]!;
    const { retryAssistantReply } = await ok(t.url, RetryAssistantReplyDocument, { messageId: reply.id }, user.token);
    const retried = await follow(t, user.token, retryAssistantReply.id);
    expect(retried.messages.map((m) => [m.id, m.role, m.status, m.content])).toEqual([
      [failed.messages[0]!.id, 'USER', 'COMPLETE', 'Are you there?'],
      [reply.id, 'ASSISTANT', 'COMPLETE', 'You said: Are you there?'],
    ]);
    // The failed try left nothing behind: the question went to the model once.
    expect(sent(lastRequest()).filter((m) => m.content === 'Are you there?')).toHaveLength(1);
    // Only a FAILED reply can be retried, and only the thread's latest.
    expect(await codes(t.url, RetryAssistantReplyDocument, { messageId: reply.id }, user.token)).toEqual(['CONFLICT']);
    fake.reply({ error: { status: 500, message: 'down again' } });
    const second = await askFollowing(t, user.token, failed.threadId, { message: 'Still there?' });
    fake.reply({ error: { status: 500, message: 'and again' } });
    const third = await askFollowing(t, user.token, failed.threadId, { message: 'Hello?' });
    expect([second.end.message.status, third.end.message.status]).toEqual(['FAILED', 'FAILED']);
    const older = second.messages.at(-1)!.id;
    expect(await codes(t.url, RetryAssistantReplyDocument, { messageId: older }, user.token)).toEqual(['CONFLICT']);
  });

  it('fails a reply the provider does not start within the deadline, with SERVICE_UNAVAILABLE', async () => {
    const user = await signUp(t, 'slow');
    fake.reply({ content: 'Too late.', stallMs: (DEADLINE_SECONDS + 5) * 1000 });
    const slow = await askAndFollow(t, user.token, { message: 'Take your time' }, (DEADLINE_SECONDS + 10) * 1000);
    expect(slow.end.message.status).toBe('FAILED');
    expect(slow.messages.at(-1)).toMatchObject({ status: 'FAILED', errorCode: 'SERVICE_UNAVAILABLE' });
    expect(slow.messages[0]).toMatchObject({ role: 'USER', content: 'Take your time' });
  });

  it('never writes the provider’s key to a log', () => {
    expect(t.logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(t.logs)).not.toContain(API_KEY);
  });
});

describe('asking, as the API promises', () => {
  it('stores a question once per clientMessageId, however often it is sent', async () => {
    const user = await signUp(t, 'idem');
    const before = fake.requests.length;
    const clientMessageId = randomUUID();
    const [a, b] = await Promise.all([
      ask(t, user.token, { message: 'Only once', clientMessageId }),
      ask(t, user.token, { message: 'Only once', clientMessageId }),
    ]);
    expect(a.askAssistant.id).toBe(b.askAssistant.id);
    await follow(t, user.token, a.askAssistant.id);
    const again = await ask(t, user.token, { message: 'Only once', clientMessageId });
    expect(again.askAssistant.id).toBe(a.askAssistant.id);
    const messages = await messagesOf(t, user.token, a.askAssistant.id);
    expect(messages.map((m) => m.role)).toEqual(['USER', 'ASSISTANT']);
    expect(fake.requests.length - before).toBe(1);
  });

  it('refuses bad input with stable codes', async () => {
    const user = await signUp(t, 'bad');
    const asked = async (input: Record<string, unknown>) =>
      codes(
        t.url,
        AskAssistantDocument,
        { input: { clientMessageId: randomUUID(), message: 'hi', ...input } },
        user.token,
      );
    expect(await asked({ message: '   ' })).toEqual(['BAD_USER_INPUT']);
    expect(await asked({ message: 'x'.repeat(4001) })).toEqual(['BAD_USER_INPUT']);
    expect(await asked({ clientMessageId: '' })).toEqual(['BAD_USER_INPUT']);
    expect(await asked({ bot: 'no-such-bot' })).toEqual(['NOT_FOUND']);
    expect(await asked({ threadId: 'not-an-id' })).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, AssistantThreadDocument, { id: randomUUID() }, user.token)).toEqual(['NOT_FOUND']);
    expect(await codes(t.url, AssistantThreadsDocument, {})).toEqual(['UNAUTHENTICATED']);
  });

  it('limits questions per user per window with RATE_LIMITED, and one question at a time per thread', async () => {
    const user = await signUp(t, 'limit');
    fake.reply({ content: 'Slowly, word by word, this reply takes a while.', tokenDelayMs: 150 });
    const { askAssistant } = await ask(t, user.token, { message: 'First' });
    expect(
      await codes(
        t.url,
        AskAssistantDocument,
        {
          input: { threadId: askAssistant.id, message: 'Second', clientMessageId: randomUUID() },
        },
        user.token,
      ),
    ).toEqual(['CONFLICT']);
    await follow(t, user.token, askAssistant.id);
    for (let i = 1; i < 8; i++)
      await follow(t, user.token, (await ask(t, user.token, { message: `Q${i}` })).askAssistant.id);
    const refused = await request(
      t.url,
      AskAssistantDocument,
      { input: { message: 'One too many', clientMessageId: randomUUID() } },
      { token: user.token },
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfterSeconds: 3600 });
  });
  it('counts questions sent at once one after the other, so none slips past the limit', async () => {
    const user = await signUp(t, 'burst');
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        request(
          t.url,
          AskAssistantDocument,
          { input: { message: `Burst ${i}`, clientMessageId: randomUUID() } },
          { token: user.token },
        ),
      ),
    );
    const outcomes = answers.map((answer) => answer.errors?.[0]?.extensions?.code ?? 'ASKED');
    expect(outcomes.filter((o) => o === 'ASKED')).toHaveLength(8);
    expect(outcomes.filter((o) => o === 'RATE_LIMITED')).toHaveLength(4);
    for (const answer of answers.filter((a) => a.data?.askAssistant))
      await follow(t, user.token, answer.data!.askAssistant!.id);
  });

  it('answers one question at a time in a thread, even when two arrive at once', async () => {
    const user = await signUp(t, 'twice');
    const first = await askAndFollow(t, user.token, { message: 'Start' });
    const slow = { content: 'A slow and careful answer, word after word after word.', tokenDelayMs: 100 };
    // Only one of the two is answered: one slow reply queued, so nothing is left for later tests.
    fake.reply(slow);
    const both = await Promise.all(
      ['Left', 'Right'].map((message) =>
        request(
          t.url,
          AskAssistantDocument,
          { input: { threadId: first.threadId, message, clientMessageId: randomUUID() } },
          { token: user.token },
        ),
      ),
    );
    expect(both.map((answer) => answer.errors?.[0]?.extensions?.code ?? 'ASKED').sort()).toEqual(['ASKED', 'CONFLICT']);
    await follow(t, user.token, first.threadId);
    const messages = await messagesOf(t, user.token, first.threadId);
    expect(messages.map((m) => m.role)).toEqual(['USER', 'ASSISTANT', 'USER', 'ASSISTANT']);
  });
});

describe('another user', () => {
  it('cannot read, ask in, retry in or follow someone’s thread', async () => {
    const owner = await signUp(t, 'owner');
    fake.reply({ error: { status: 503, message: 'down' } });
    const thread = await askAndFollow(t, owner.token, { message: 'Private question' });
    const stranger = await signUp(t, 'stranger');
    const threadId = thread.threadId;
    expect(await codes(t.url, AssistantThreadDocument, { id: threadId }, stranger.token)).toEqual(['NOT_FOUND']);
    expect(
      await codes(
        t.url,
        AskAssistantDocument,
        { input: { threadId, message: 'Let me in', clientMessageId: randomUUID() } },
        stranger.token,
      ),
    ).toEqual(['NOT_FOUND']);
    const replyId = thread.messages.at(-1)!.id;
    expect(await codes(t.url, RetryAssistantReplyDocument, { messageId: replyId }, stranger.token)).toEqual([
      'NOT_FOUND',
    ]);
    expect((await ok(t.url, AssistantThreadsDocument, {}, stranger.token)).assistantThreads.edges).toEqual([]);

    // Their subscription to it ends at once with NOT_FOUND, and no reply reaches it.
    const client = wsClient(t.url, stranger.token);
    const spying = new Subscription(client, AssistantReplyDocument, { threadId, current: true });
    try {
      await waitFor('the refusal', () => spying.results.length > 0 || spying.error);
      const refusal = spying.results[0]?.errors ?? (spying.error as { extensions?: unknown }[]);
      expect(JSON.stringify(refusal)).toContain('NOT_FOUND');
    } finally {
      spying.stop();
      await client.dispose();
    }
  });

  it('cannot add or edit bots unless an admin, whose edits users see', async () => {
    const user = await signUp(t, 'botuser');
    const input = {
      slug: `chef-${randomUUID().slice(0, 6)}`,
      name: 'Chef',
      description: 'Suggests recipes.',
      instructions: 'You suggest recipes.',
      tools: ['search_catalog'],
    };
    expect(await codes(t.url, CreateAssistantBotDocument, { input }, user.token)).toEqual(['FORBIDDEN']);
    const admin = await signUp(t, 'botadmin');
    await makeAdmin(t, admin.username);
    expect(
      await codes(t.url, CreateAssistantBotDocument, { input: { ...input, tools: ['drop_tables'] } }, admin.token),
    ).toEqual(['BAD_USER_INPUT']);
    const { createAssistantBot } = await ok(t.url, CreateAssistantBotDocument, { input }, admin.token);
    expect(await codes(t.url, CreateAssistantBotDocument, { input }, admin.token)).toEqual(['CONFLICT']);
    expect(
      await codes(t.url, UpdateAssistantBotDocument, { id: createAssistantBot.id, input: { name: 'X' } }, user.token),
    ).toEqual(['FORBIDDEN']);
    await ok(
      t.url,
      UpdateAssistantBotDocument,
      { id: createAssistantBot.id, input: { name: 'Head chef' } },
      admin.token,
    );

    const { assistantBots } = await ok(t.url, AssistantBotsDocument, {}, user.token);
    const chef = assistantBots.find((bot) => bot.slug === input.slug)!;
    expect(chef).toMatchObject({ name: 'Head chef', instructions: null, tools: ['search_catalog'], builtIn: false });
    expect(chef.description).toContain('language model fake-model');
    const asAdmin = (await ok(t.url, AssistantBotsDocument, {}, admin.token)).assistantBots;
    expect(asAdmin.find((bot) => bot.slug === input.slug)!.instructions).toBe('You suggest recipes.');

    const reply = await askAndFollow(t, user.token, { bot: input.slug, message: 'Something with lentils' });
    expect(sent(lastRequest())[0]!.content).toBe('You suggest recipes.');
    expect(reply.messages.at(-1)!.status).toBe('COMPLETE');
  });
});

describe('mentioned in a conversation', () => {
  const chat = chatHelpers(() => t);

  it('answers there with the conversation as context, read as the member who asked, and nothing else', async () => {
    const [alice, bob, carol] = [await signUp(t, 'alice'), await signUp(t, 'bob'), await signUp(t, 'carol')];
    const group = await chat.createGroup(alice, 'Trip planning', [bob]);
    const elsewhere = await chat.openDirect(bob, carol);
    await chat.send(bob, elsewhere.id, 'A secret between Bob and Carol');
    await chat.send(bob, group.id, 'Lisbon or Porto in May?');
    await chat.send(alice, group.id, '@assistant which city is warmer in May?');

    const answer = await waitFor('the assistant’s answer', async () => {
      const { messages } = await ok(t.url, AssistantChatMessagesDocument, { conversationId: group.id }, bob.token);
      return messages.edges.map((edge) => edge.node).find((message) => message.kind === 'ASSISTANT') ?? null;
    });
    expect(answer).toMatchObject({ body: 'You said: which city is warmer in May?', sender: { username: 'assistant' } });
    const request = sent(lastRequest());
    // The members' words come as a user's message, never in the instructions.
    expect(request[0]).toMatchObject({ role: 'system', content: expect.not.stringContaining('Lisbon') });
    const context = request.map((m) => m.content).join('\n');
    expect(context).toContain('Trip planning');
    expect(context).toContain('Lisbon or Porto in May?');
    expect(context).not.toContain('secret');
    // Only the public catalogue: no tool that reads the asker's own things, and nothing to remember.
    const offered = (lastRequest().body.tools as { function: { name: string } }[]).map((x) => x.function.name);
    expect(offered).toEqual(['search_catalog']);
    // Carol is in neither the group nor its answer.
    expect(await codes(t.url, AssistantChatMessagesDocument, { conversationId: group.id }, carol.token)).toEqual([
      'NOT_FOUND',
    ]);
  });
});
