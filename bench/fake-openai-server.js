import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';

/**
 * The provider for `bench:assistant`: OpenAI's chat-completions API on a local port, speaking the wire
 * format of e2e/support/fake-openai.ts (the e2e suite's TypeScript fake, which the bench cannot import),
 * so the assistant's real @langchain/openai client streams from it exactly as from OpenAI: server-sent
 * events, `data: <chat.completion.chunk>` each, the role first, the content a word per chunk, the
 * `finish_reason`, the usage when `stream_options.include_usage` asks for it, then `data: [DONE]`; every
 * reply with its own `chatcmpl-` id (LangChain merges chunks by it). Tool calls are left out: the bench
 * measures streaming, and its replies call none.
 *
 * What the bench adds is the provider's own clock: when each request arrived and when each content
 * chunk was written to the socket (`performance.now()`, the bench process's clock, which its clients
 * share), handed to `onStreamed` when the reply has been sent.
 */

// Module-wide, so completion ids stay unique across fakes in one process.
let completionCount = 0;

/**
 * @typedef {{ content: string, tokenDelayMs?: number }} FakeReply `content` goes out a word per chunk, each
 *   chunk after the first `tokenDelayMs` after the one before (the first content chunk too: that is the
 *   provider's own time to first token).
 * @typedef {{ body: any, receivedAt: number, completionId: string, contentWrittenAt: number[],
 *   contentChunks: string[] }} StreamedReply
 * @param {{ respond: (body: any) => FakeReply, onStreamed?: (reply: StreamedReply) => void, apiKey?: string }}
 *   options
 */
export async function startFakeOpenAI({ respond, onStreamed = () => {}, apiKey }) {
  const closing = new AbortController();

  const handle = async (req, res) => {
    const receivedAt = performance.now();
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== '/v1/chat/completions')
      return sendError(res, 404, `Invalid URL (${req.method} ${path})`);
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return sendError(res, 400, 'We could not parse the JSON body of your request.');
    }
    if (apiKey !== undefined && req.headers.authorization !== `Bearer ${apiKey}`)
      return sendError(res, 401, 'Incorrect API key provided.', 'invalid_api_key');
    const reply = respond(body);
    const completion = completionOf(reply, body);
    if (body.stream !== true) return sendJson(res, 200, wholeCompletion(completion));
    const gone = AbortSignal.any([closing.signal, abortedOnClose(res)]);
    const written = await stream(res, completion, reply.tokenDelayMs ?? 0, gone);
    onStreamed({ body, receivedAt, completionId: completion.id, ...written });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      if (!res.headersSent) sendError(res, 500, String(error));
      else res.destroy();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    /** The base URL, with `/v1`, for ASSISTANT_OPENAI_BASE_URL. */
    url: `http://127.0.0.1:${port}/v1`,
    async close() {
      closing.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The last user message's text: what the bench keys its questions by. */
export function lastUserText(body) {
  const last = (body?.messages ?? []).findLast((message) => message.role === 'user');
  return last ? textOf(last.content) : '';
}

function completionOf(reply, body) {
  const content = reply.content ?? '';
  const promptTokens = (body?.messages ?? []).reduce((sum, message) => sum + countWords(textOf(message.content)), 0);
  const completionTokens = countWords(content);
  return {
    id: `chatcmpl-bench${++completionCount}`,
    created: Math.floor(Date.now() / 1000),
    model: String(body?.model ?? 'fake-model'),
    content,
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
    includeUsage: body?.stream_options?.include_usage === true,
  };
}

function wholeCompletion(completion) {
  return {
    id: completion.id,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: completion.content, refusal: null },
        logprobs: null,
        finish_reason: 'stop',
      },
    ],
    usage: completion.usage,
  };
}

/** Writes the reply's events, each after `delayMs` but the first; returns when each content chunk went out. */
async function stream(res, completion, delayMs, gone) {
  const chunkOf = (choices, usage) => ({
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    system_fingerprint: 'fp_fake',
    choices,
    // With include_usage, OpenAI puts `usage: null` on every chunk but the last.
    ...(completion.includeUsage && { usage: usage ?? null }),
  });
  const contentChunks = splitWords(completion.content);
  const deltas = [
    { role: 'assistant', content: '', refusal: null },
    ...contentChunks.map((word) => ({ content: word })),
  ];
  const events = deltas.map((delta) =>
    JSON.stringify(chunkOf([{ index: 0, delta, logprobs: null, finish_reason: null }])),
  );
  events.push(JSON.stringify(chunkOf([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }])));
  if (completion.includeUsage) events.push(JSON.stringify(chunkOf([], completion.usage)));
  events.push('[DONE]');

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': `req_${randomUUID()}`,
  });
  const contentWrittenAt = [];
  for (const [i, event] of events.entries()) {
    if (i > 0 && delayMs > 0 && !(await wait(delayMs, gone))) break;
    if (res.destroyed) break;
    res.write(`data: ${event}\n\n`);
    if (i >= 1 && i <= contentChunks.length) contentWrittenAt.push(performance.now());
  }
  res.end();
  return { contentWrittenAt, contentChunks };
}

function sendError(res, status, message, code = null) {
  const type = status >= 500 ? 'server_error' : 'invalid_request_error';
  sendJson(res, status, { error: { message, type, param: null, code } });
}

function sendJson(res, status, body) {
  res
    .writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_${randomUUID()}` })
    .end(JSON.stringify(body));
}

/** Whether `ms` passed before `signal` aborted. */
function wait(ms, signal) {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', stop);
      resolve(true);
    }, ms);
    const stop = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', stop, { once: true });
  });
}

function abortedOnClose(res) {
  const controller = new AbortController();
  res.on('close', () => controller.abort());
  return controller.signal;
}

/** A message's text: a string, or the text parts of a content array. */
function textOf(content) {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (part?.type === 'text' ? String(part.text) : '')).join(' ');
}

function countWords(text) {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Each word with the whitespace after it (leading whitespace alone first), so the pieces join back exactly. */
function splitWords(text) {
  return text.match(/^\s+|\S+\s*/g) ?? [];
}
