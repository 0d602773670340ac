import { AIMessageChunk, HumanMessage } from '@langchain/core/messages';
import { tool } from '@langchain/core/tools';
import { ChatOpenAI, type ChatOpenAIFields } from '@langchain/openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FakeOpenAI, startFakeOpenAI } from './support/fake-openai.js';

/**
 * The fake OpenAI server driven through the real SDK (LangChain's ChatOpenAI over `openai`), so the assistant's
 * tests and benchmark can trust it; the wire details the SDK forgives are checked over plain fetch.
 */
let fake: FakeOpenAI;
/** Every URL fetched off this machine during a test; LangChain must not need the network (e.g. for tiktoken). */
let offMachine: string[];
const realFetch = globalThis.fetch;

beforeEach(async () => {
  fake = await startFakeOpenAI({ apiKey: 'test-key' });
  offMachine = [];
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.hostname !== '127.0.0.1') {
      offMachine.push(url.href);
      return Promise.reject(new Error(`no network in tests: ${url.href}`));
    }
    return realFetch(input, init);
  };
});
afterEach(async () => {
  globalThis.fetch = realFetch;
  await fake.close();
  expect(offMachine).toEqual([]);
});

const model = (fields: ChatOpenAIFields = {}) =>
  new ChatOpenAI({ model: 'fake-model', apiKey: 'test-key', configuration: { baseURL: fake.url }, ...fields });

async function collect(stream: AsyncIterable<AIMessageChunk>): Promise<AIMessageChunk[]> {
  const chunks: AIMessageChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const merged = (chunks: AIMessageChunk[]) => chunks.reduce((whole, chunk) => whole.concat(chunk));

/** The `data:` payloads of a server-sent event stream, parsed unless `[DONE]`. */
async function events(response: Response): Promise<unknown[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter(Boolean)
    .map((event) => {
      expect(event).toMatch(/^data: /);
      const data = event.slice('data: '.length);
      return data === '[DONE]' ? data : JSON.parse(data);
    });
}

const completions = (body: object, apiKey = 'test-key') =>
  fetch(`${fake.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(body),
  });

describe('the fake OpenAI server', () => {
  it('streams a reply a word per chunk, in order, with the usage counted in words', async () => {
    fake.reply({ content: 'The quick brown fox jumps.' });
    const chunks = await collect(await model().stream('Tell me about foxes'));

    expect(chunks.map((chunk) => chunk.content).filter(Boolean)).toEqual([
      'The ',
      'quick ',
      'brown ',
      'fox ',
      'jumps.',
    ]);
    const whole = merged(chunks);
    expect(whole.content).toBe('The quick brown fox jumps.');
    expect(whole.usage_metadata).toMatchObject({ input_tokens: 4, output_tokens: 5, total_tokens: 9 });
    expect(whole.response_metadata).toMatchObject({ finish_reason: 'stop', model_name: 'fake-model' });
    expect(new Set(chunks.map((chunk) => chunk.id).filter(Boolean)).size).toBe(1);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]?.body).toMatchObject({
      model: 'fake-model',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'Tell me about foxes' }],
    });
    expect(fake.requests[0]?.headers.authorization).toBe('Bearer test-key');
  });

  it('gives every reply its own id, so LangChain never merges two replies', async () => {
    const streamed = [
      merged(await collect(await model().stream('one'))),
      merged(await collect(await model().stream('two'))),
    ];
    const invoked = [await model().invoke('three'), await model().invoke('four')];

    // Nothing was queued: the default responder echoes the last user message.
    expect([...streamed, ...invoked].map((message) => message.content)).toEqual([
      'You said: one',
      'You said: two',
      'You said: three',
      'You said: four',
    ]);
    const ids = [...streamed, ...invoked].map((message) => message.id);
    expect(ids.every((id) => id?.startsWith('chatcmpl-'))).toBe(true);
    expect(new Set(ids).size).toBe(4);
    expect(invoked[0]?.usage_metadata).toMatchObject({ input_tokens: 1, output_tokens: 3, total_tokens: 4 });
  });

  it('round-trips a tool call: streamed in pieces, parsed by LangChain, answered with the tool’s result', async () => {
    const getWeather = tool(async ({ city, days }) => `Sunny in ${city} for ${days} days`, {
      name: 'get_weather',
      description: 'The weather forecast for a city',
      schema: z.object({ city: z.string(), days: z.number() }),
    });
    const withTools = model().bindTools([getWeather]);
    fake.reply({ toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris', days: 3 } }] });
    const question = new HumanMessage('Weather in Paris?');
    const chunks = await collect(await withTools.stream([question]));

    // The arguments arrive split across chunks, as OpenAI sends them.
    expect(chunks.filter((chunk) => chunk.tool_call_chunks?.some((piece) => piece.args)).length).toBeGreaterThan(1);
    const call = merged(chunks);
    expect(call.response_metadata.finish_reason).toBe('tool_calls');
    expect(call.tool_calls).toEqual([
      { type: 'tool_call', id: expect.stringMatching(/^call_/), name: 'get_weather', args: { city: 'Paris', days: 3 } },
    ]);
    expect(fake.requests[0]?.body.tools).toMatchObject([{ type: 'function', function: { name: 'get_weather' } }]);

    const result = await getWeather.invoke({ ...call.tool_calls![0]!, type: 'tool_call' });
    fake.reply((request) => ({ content: `Forecast: ${request.body.messages.at(-1).content}` }));
    const answer = await withTools.invoke([question, call, result]);

    expect(answer.content).toBe('Forecast: Sunny in Paris for 3 days');
    const [, assistant, toolResult] = fake.requests[1]!.body.messages;
    expect(assistant.tool_calls[0]).toMatchObject({ id: call.tool_calls![0]!.id, function: { name: 'get_weather' } });
    expect(JSON.parse(assistant.tool_calls[0].function.arguments)).toEqual({ city: 'Paris', days: 3 });
    expect(toolResult).toMatchObject({ role: 'tool', tool_call_id: call.tool_calls![0]!.id });
  });

  it('answers an error status in OpenAI’s shape, which the SDK throws', async () => {
    fake.reply({ error: { status: 500, message: 'The server had an error while processing your request.' } });
    await expect(model({ maxRetries: 0 }).invoke('hi')).rejects.toMatchObject({
      status: 500,
      error: { type: 'server_error' },
      message: expect.stringContaining('The server had an error'),
    });
    fake.reply({
      error: { status: 429, message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' },
    });
    // stream() itself sends the request and waits for the answer's head.
    await expect(model({ maxRetries: 0 }).stream('hi')).rejects.toMatchObject({
      status: 429,
      code: 'rate_limit_exceeded',
      lc_error_code: 'MODEL_RATE_LIMIT',
    });
    // maxRetries: 0 means one request each; a retry would have taken the next queued reply.
    expect(fake.requests).toHaveLength(2);
  });

  it('refuses a wrong API key with 401, before taking a queued reply', async () => {
    fake.reply({ content: 'For the right key only' });
    await expect(model({ apiKey: 'wrong-key', maxRetries: 0 }).invoke('hi')).rejects.toMatchObject({
      status: 401,
      lc_error_code: 'MODEL_AUTHENTICATION',
    });
    const response = await completions({ model: 'fake-model', messages: [] }, 'wrong-key');
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: {
        message: 'Incorrect API key provided.',
        type: 'invalid_request_error',
        param: null,
        code: 'invalid_api_key',
      },
    });
    expect(fake.requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer wrong-key',
      'Bearer wrong-key',
    ]);

    expect((await model().invoke('hi')).content).toBe('For the right key only');
  });

  it('speaks the streaming wire exactly: role first, one id, finish reason, usage only when asked, [DONE]', async () => {
    const messages = [{ role: 'user', content: 'Say hi' }];
    fake.reply({ content: 'Hi there' });
    const withUsage = await events(
      await completions({ model: 'm', messages, stream: true, stream_options: { include_usage: true } }),
    );
    const chunks = withUsage.slice(0, -1) as any[];
    expect(withUsage.at(-1)).toBe('[DONE]');
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.model === 'm')).toBe(true);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta)).toEqual([
      { role: 'assistant', content: '', refusal: null },
      { content: 'Hi ' },
      { content: 'there' },
      {},
      undefined,
    ]);
    expect(chunks.map((chunk) => chunk.choices[0]?.finish_reason)).toEqual([null, null, null, 'stop', undefined]);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 2, completion_tokens: 2, total_tokens: 4 },
    });

    fake.reply({ content: 'Hi there' });
    const withoutUsage = await events(await completions({ model: 'm', messages, stream: true }));
    expect(withoutUsage).toHaveLength(5);
    expect(withoutUsage.some((chunk) => typeof chunk === 'object' && chunk !== null && 'usage' in chunk)).toBe(false);
  });

  it('keeps a fixed pace between chunks when asked', async () => {
    fake.reply({ content: 'one two three four five', tokenDelayMs: 25 });
    const arrivals: number[] = [];
    for await (const chunk of await model().stream('pace')) if (chunk.content) arrivals.push(performance.now());

    expect(arrivals).toHaveLength(5);
    // Four gaps of 25 ms at least; timers never fire early, only late.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(4 * 25 - 2);
  });

  it('stalls before the first byte, so a deadline fires, and still closes at once', async () => {
    fake.reply({ stallMs: 60_000 });
    await expect(model({ timeout: 100, maxRetries: 0 }).invoke('hi')).rejects.toMatchObject({ name: 'TimeoutError' });

    fake.reply({ stallMs: 60_000 });
    const pending = completions({ model: 'm', messages: [] });
    await expect.poll(() => fake.requests.length).toBe(2);
    await fake.close();
    await expect(pending).rejects.toThrow();
  });
});
