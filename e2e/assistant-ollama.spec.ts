import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AssistantBotsDocument, RetryAssistantReplyDocument } from './generated/graphql.js';
import { askAndFollow, askFollowing, follow } from './support/assistant.js';
import { localOnlyFetch } from './support/local-only-fetch.js';
import { codes, ok } from './support/client.js';
import { type FakeOllama, type RecordedRequest, startFakeOllama } from './support/fake-ollama.js';
import { buy, listed, orderReaches, seller } from './support/marketplace.js';
import { signUp, startTestStack, type TestStack } from './support/stack.js';

/**
 * The assistant on Ollama's own API: a local server speaking `/api/chat` (NDJSON streaming included) with the
 * real @langchain/ollama and `ollama` client in the path, against the real PostgreSQL, NATS and Redis. The same
 * promises assistant.spec.ts proves for the OpenAI-compatible provider.
 */
const MODEL = 'fake-llama';
const DEADLINE_SECONDS = 3;
let t: TestStack;
let fake: FakeOllama;
let network: ReturnType<typeof localOnlyFetch>;

beforeAll(async () => {
  // Nothing may leave the machine: the provider is local, and no tokenizer download may happen.
  network = localOnlyFetch();
  // Only the configured model is "pulled": a request for any other gets Ollama's 404.
  fake = await startFakeOllama({ models: [MODEL] });
  t = await startTestStack({
    ASSISTANT_PROVIDER: 'ollama',
    ASSISTANT_OLLAMA_URL: fake.url,
    ASSISTANT_MODEL: MODEL,
    ASSISTANT_REPLY_DEADLINE_SECONDS: String(DEADLINE_SECONDS),
  });
});
afterEach(() => expect(network.outside).toEqual([]));
afterAll(async () => {
  await t?.stop();
  await fake?.close();
  network?.restore();
});

/** The messages the model was sent in a request, as role and text. */
const sent = (request: RecordedRequest) =>
  (request.body.messages as { role: string; content: string }[]).map((m) => ({ role: m.role, content: m.content }));
const lastRequest = () => fake.requests.at(-1)!;

describe('asking an Ollama model', () => {
  it('streams the reply over graphql-ws in order, and stores it whole', async () => {
    const user = await signUp(t, 'asker');
    const first = await askAndFollow(t, user.token, { message: 'Hello there' });
    expect(first.end.message.status).toBe('COMPLETE');
    expect(first.messages.map((m) => [m.role, m.content])).toEqual([
      ['USER', 'Hello there'],
      ['ASSISTANT', 'You said: Hello there'],
    ]);
    expect(lastRequest().body).toMatchObject({ model: MODEL, stream: true });

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

    const { assistantBots } = await ok(t.url, AssistantBotsDocument, {}, user.token);
    expect(assistantBots[0]!.description).toContain(`language model ${MODEL} (Ollama)`);
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
    // The model was offered the bot's tools, and remember; the follow-up carried its call and the answer.
    const offered = (fake.requests.at(-2)!.body.tools as { function: { name: string } }[]).map((x) => x.function.name);
    expect(offered.sort()).toEqual(['my_orders', 'remember', 'search_catalog']);
    const followUp = lastRequest().body.messages as { role: string; content: string; tool_calls?: unknown[] }[];
    expect(followUp.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(followUp[2]!.tool_calls).toEqual([
      expect.objectContaining({ function: { name: 'my_orders', arguments: {} } }),
    ]);
    expect(followUp[3]!.content).toBe(reply.messages[1]!.content);

    const other = await signUp(t, 'other');
    fake.reply(toolThenAnswer);
    fake.reply(toolThenAnswer);
    const theirs = await askAndFollow(t, other.token, { bot: 'shopping', message: 'Where is my kettle?' });
    expect(theirs.messages.at(-1)!.content).toBe('Here is what I found. You have no orders yet.');
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
    expect(await codes(t.url, RetryAssistantReplyDocument, { messageId: reply.id }, user.token)).toEqual(['CONFLICT']);
  });

  it('fails a reply the model breaks off mid-stream, keeping the question', async () => {
    const user = await signUp(t, 'broken');
    fake.reply({
      content: 'Let me think about',
      error: { message: 'model runner has unexpectedly stopped', midStream: true },
    });
    const broken = await askAndFollow(t, user.token, { message: 'Explain everything' });
    expect(broken.end.message.status).toBe('FAILED');
    expect(broken.messages.map((m) => [m.role, m.status, m.errorCode])).toEqual([
      ['USER', 'COMPLETE', null],
      ['ASSISTANT', 'FAILED', 'SERVICE_UNAVAILABLE'],
    ]);
    expect(JSON.stringify(broken.messages)).not.toContain('runner');
  });

  it('fails a reply the provider does not start within the deadline, with SERVICE_UNAVAILABLE', async () => {
    const user = await signUp(t, 'slow');
    const stallMs = (DEADLINE_SECONDS + 10) * 1000;
    fake.reply({ content: 'Too late.', stallMs });
    const startedAt = Date.now();
    const slow = await askAndFollow(t, user.token, { message: 'Take your time' }, stallMs + 5000);
    expect(slow.end.message.status).toBe('FAILED');
    expect(slow.messages.at(-1)).toMatchObject({ status: 'FAILED', errorCode: 'SERVICE_UNAVAILABLE' });
    expect(slow.messages[0]).toMatchObject({ role: 'USER', content: 'Take your time' });
    // Ended by the deadline, not by the provider answering at last.
    expect(Date.now() - startedAt).toBeLessThan(stallMs);
  });
});
