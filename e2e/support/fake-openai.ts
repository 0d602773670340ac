import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { abortedOnClose, countWords, type FakeToolCall, type RecordedRequest, splitWords, wait } from './fake-wire.js';

export type { FakeToolCall, RecordedRequest } from './fake-wire.js';

/**
 * OpenAI's chat-completions API as the `openai` SDK (and LangChain's ChatOpenAI over it) calls it, on a local
 * port: `POST /v1/chat/completions` with a Bearer API key. Streamed requests (`stream: true`) get server-sent
 * events, `data: <chat.completion.chunk>` each, as OpenAI sends them: the role first, the content a word per
 * chunk, tool calls with their arguments in pieces, the `finish_reason`, the usage when `stream_options.
 * include_usage` asks for it, then `data: [DONE]`. Other requests get one `chat.completion`. Errors are
 * answered in OpenAI's `{ error: { message, type, param, code } }`. Tokens are counted as whitespace-separated
 * words, so a test can predict the usage. Each reply has its own completion id, shared by all its chunks:
 * LangChain merges chunks by that id.
 */

export interface FakeReply {
  /** Streamed a word per chunk (the word and the whitespace after it). */
  content?: string;
  toolCalls?: FakeToolCall[];
  /** Answered instead of a completion; `type` defaults to OpenAI's for the status. */
  error?: { status: number; message: string; type?: string; code?: string };
  /** Wait between streamed chunks, for a fixed token rate. */
  tokenDelayMs?: number;
  /** Wait before the first byte, for deadlines. */
  stallMs?: number;
}

export type Responder = (request: RecordedRequest) => FakeReply;

export interface FakeOpenAI {
  /** The base URL, with `/v1`: `new ChatOpenAI({ configuration: { baseURL: fake.url } })`. */
  readonly url: string;
  /** Every request to /v1/chat/completions in order of arrival, including those refused for their key. */
  readonly requests: RecordedRequest[];
  /** Queues the answer to a coming request; with nothing queued, the default responder answers. */
  reply(next: FakeReply | Responder): void;
  /** Stops listening, cuts open streams and cancels pending waits. */
  close(): Promise<void>;
}

export interface FakeOpenAIOptions {
  /** Answers requests when nothing is queued; by default `You said: <the last user message>`. */
  respond?: Responder;
  /** When given, requests must carry `Authorization: Bearer <apiKey>` or get OpenAI's 401. */
  apiKey?: string;
}

/** Echoes the last user message, so a test without queued replies still gets a predictable answer. */
export const echoLastUserMessage: Responder = (request) => {
  const messages: { role: string; content: unknown }[] = request.body?.messages ?? [];
  const lastUser = messages.findLast((message) => message.role === 'user');
  return { content: `You said: ${lastUser ? textOf(lastUser.content) : ''}` };
};

/** How many characters of a tool call's JSON arguments each chunk carries, as OpenAI splits them. */
const ARGUMENT_PIECE_LENGTH = 8;

// Module-wide, so ids stay unique across several fakes in one process (a benchmark may start more than one).
let completionCount = 0;
let toolCallCount = 0;

export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const respond = options.respond ?? echoLastUserMessage;
  const requests: RecordedRequest[] = [];
  const queued: (FakeReply | Responder)[] = [];
  const closing = new AbortController();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== '/v1/chat/completions')
      return sendError(res, { status: 404, message: `Invalid URL (${req.method} ${path})` });
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return sendError(res, { status: 400, message: 'We could not parse the JSON body of your request.' });
    }
    const request: RecordedRequest = { body, headers: { ...req.headers } };
    requests.push(request);
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`)
      return sendError(res, { status: 401, message: 'Incorrect API key provided.', code: 'invalid_api_key' });

    const next = queued.shift() ?? respond;
    const reply = typeof next === 'function' ? next(request) : next;
    // Ends a wait when the client hangs up or the fake closes, so no timer outlives either.
    const gone = AbortSignal.any([closing.signal, abortedOnClose(res)]);
    if (reply.stallMs && !(await wait(reply.stallMs, gone))) return;
    if (reply.error) return sendError(res, reply.error);
    const completion = completionOf(reply, request);
    if (request.body?.stream === true) await stream(res, completion, reply.tokenDelayMs ?? 0, gone);
    else sendJson(res, 200, wholeCompletion(completion));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, { status: 500, message: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    reply: (next) => void queued.push(next),
    close: async () => {
      closing.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One reply, resolved into what both wire shapes are built from. */
interface Completion {
  id: string;
  created: number;
  model: string;
  content: string | null;
  toolCalls: { id: string; name: string; arguments: string }[];
  finishReason: 'stop' | 'tool_calls';
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  includeUsage: boolean;
}

function completionOf(reply: FakeReply, request: RecordedRequest): Completion {
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({
    id: `call_fake${++toolCallCount}`,
    name: call.name,
    arguments: JSON.stringify(call.arguments),
  }));
  const content = reply.content ?? (toolCalls.length > 0 ? null : '');
  const messages: { content?: unknown }[] = request.body?.messages ?? [];
  const promptTokens = messages.reduce((sum, message) => sum + countWords(textOf(message.content)), 0);
  const completionTokens =
    countWords(content ?? '') + toolCalls.reduce((sum, call) => sum + countWords(`${call.name} ${call.arguments}`), 0);
  return {
    id: `chatcmpl-fake${++completionCount}`,
    created: Math.floor(Date.now() / 1000),
    model: String(request.body?.model ?? 'fake-model'),
    content,
    toolCalls,
    finishReason: toolCalls.length > 0 ? 'tool_calls' : 'stop',
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
    },
    includeUsage: request.body?.stream_options?.include_usage === true,
  };
}

function wholeCompletion(completion: Completion) {
  const toolCalls = completion.toolCalls.map((call) => ({
    id: call.id,
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
  return {
    id: completion.id,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: completion.content,
          refusal: null,
          ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
        },
        logprobs: null,
        finish_reason: completion.finishReason,
      },
    ],
    usage: completion.usage,
  };
}

/** The deltas of a streamed reply in the order OpenAI sends them, before the finish and usage chunks. */
function deltasOf(completion: Completion): Record<string, unknown>[] {
  const deltas: Record<string, unknown>[] = [{ role: 'assistant', content: '', refusal: null }];
  for (const word of splitWords(completion.content ?? '')) deltas.push({ content: word });
  completion.toolCalls.forEach((call, index) => {
    deltas.push({
      tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }],
    });
    for (let at = 0; at < call.arguments.length; at += ARGUMENT_PIECE_LENGTH) {
      const piece = call.arguments.slice(at, at + ARGUMENT_PIECE_LENGTH);
      deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
    }
  });
  return deltas;
}

async function stream(res: ServerResponse, completion: Completion, delayMs: number, gone: AbortSignal) {
  const chunkOf = (choices: unknown[], usage?: Completion['usage']) => ({
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    system_fingerprint: 'fp_fake',
    choices,
    // With include_usage, OpenAI puts `usage: null` on every chunk but the last.
    ...(completion.includeUsage && { usage: usage ?? null }),
  });
  const events: string[] = deltasOf(completion).map((delta) =>
    JSON.stringify(chunkOf([{ index: 0, delta, logprobs: null, finish_reason: null }])),
  );
  events.push(
    JSON.stringify(chunkOf([{ index: 0, delta: {}, logprobs: null, finish_reason: completion.finishReason }])),
  );
  if (completion.includeUsage) events.push(JSON.stringify(chunkOf([], completion.usage)));
  events.push('[DONE]');

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': `req_${randomUUID()}`,
  });
  for (const [i, event] of events.entries()) {
    if (i > 0 && delayMs > 0 && !(await wait(delayMs, gone))) return;
    if (res.destroyed) return;
    res.write(`data: ${event}\n\n`);
  }
  res.end();
}

function sendError(res: ServerResponse, error: NonNullable<FakeReply['error']>): void {
  const type = error.type ?? (error.status >= 500 ? 'server_error' : 'invalid_request_error');
  sendJson(res, error.status, { error: { message: error.message, type, param: null, code: error.code ?? null } });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res
    .writeHead(status, { 'content-type': 'application/json', 'x-request-id': `req_${randomUUID()}` })
    .end(JSON.stringify(body));
}

/** A message's text: a string, or the text parts of a content array. */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: { type?: string; text?: unknown }) => (part?.type === 'text' ? String(part.text) : ''))
    .join(' ');
}
