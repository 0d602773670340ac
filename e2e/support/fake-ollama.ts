import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { abortedOnClose, countWords, type FakeToolCall, type RecordedRequest, splitWords, wait } from './fake-wire.js';

export type { FakeToolCall, RecordedRequest } from './fake-wire.js';

/**
 * Ollama's native chat API as the `ollama` JS client (and LangChain's ChatOllama over it) calls it, on a local
 * port: `POST /api/chat` with `{ model, messages, tools?, stream, options }`. ChatOllama calls nothing else
 * first (it reaches `/api/tags` and `/api/pull` only with `checkOrPullModel`), so nothing else is served.
 * Streamed requests (`stream: true`) get NDJSON, one `ChatResponse` a line, as Ollama sends them: the content a
 * word per line (`done: false`), each tool call whole on a line of its own with empty content (Ollama parses a
 * call complete before sending it: `{ id, function: { index, name, arguments: {…} } }`, arguments an object,
 * never pieces), then a last line with empty content, `done: true`, `done_reason: "stop"` (tool calls too), the
 * token counts and durations in nanoseconds. Other requests get one `ChatResponse` with all of it. Errors before
 * the answer are an HTTP status with `{ "error": "…" }`; an error once the stream has begun is a
 * `{ "error": "…" }` line in the 200 stream, as Ollama reports a model that fails mid-answer. Tokens are counted
 * as whitespace-separated words, so a test can predict the usage.
 */

export interface FakeReply {
  /** Streamed a word per line (the word and the whitespace after it). */
  content?: string;
  toolCalls?: FakeToolCall[];
  /**
   * Answered instead of a reply: an HTTP status with `{ error }`. With `midStream`, the content is streamed
   * first and the error follows as a line of the 200 stream, with no `done` line.
   */
  error?: { status?: number; message: string; midStream?: boolean };
  /** Wait between streamed lines, for a fixed token rate. */
  tokenDelayMs?: number;
  /** Wait before the first byte, for deadlines. */
  stallMs?: number;
}

export type Responder = (request: RecordedRequest) => FakeReply;

export interface FakeOllama {
  /** The server's address, without `/api`: `new ChatOllama({ baseUrl: fake.url })`. */
  readonly url: string;
  /** Every request to /api/chat in order of arrival, including those refused for their model. */
  readonly requests: RecordedRequest[];
  /** Queues the answer to a coming request; with nothing queued, the default responder answers. */
  reply(next: FakeReply | Responder): void;
  /** Stops listening, cuts open streams and cancels pending waits. */
  close(): Promise<void>;
}

export interface FakeOllamaOptions {
  /** Answers requests when nothing is queued; by default `You said: <the last user message>`. */
  respond?: Responder;
  /** When given, the models pulled: a request for another gets Ollama's 404 `model "…" not found`. */
  models?: string[];
}

/** Echoes the last user message, so a test without queued replies still gets a predictable answer. */
export const echoLastUserMessage: Responder = (request) => {
  const messages: { role: string; content?: string }[] = request.body?.messages ?? [];
  const lastUser = messages.findLast((message) => message.role === 'user');
  return { content: `You said: ${lastUser?.content ?? ''}` };
};

export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const respond = options.respond ?? echoLastUserMessage;
  const requests: RecordedRequest[] = [];
  const queued: (FakeReply | Responder)[] = [];
  const closing = new AbortController();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = (req.url ?? '').split('?')[0];
    // Ollama's router (gin) answers an unknown route in plain text.
    if (req.method !== 'POST' || path !== '/api/chat')
      return void res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found');
    let body: any;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return sendError(res, 400, 'invalid character in request body');
    }
    const request: RecordedRequest = { body, headers: { ...req.headers } };
    requests.push(request);
    const model = String(body?.model ?? '');
    if (!model) return sendError(res, 400, 'model is required');
    if (options.models && !options.models.some((name) => name === model || `${name}:latest` === model))
      return sendError(res, 404, `model "${model}" not found, try pulling it first`);

    const next = queued.shift() ?? respond;
    const reply = typeof next === 'function' ? next(request) : next;
    // Ends a wait when the client hangs up or the fake closes, so no timer outlives either.
    const gone = AbortSignal.any([closing.signal, abortedOnClose(res)]);
    if (reply.stallMs && !(await wait(reply.stallMs, gone))) return;
    if (reply.error && !reply.error.midStream) return sendError(res, reply.error.status ?? 500, reply.error.message);
    const answer = answerOf(reply, request);
    // Ollama streams unless told `stream: false`.
    if (body.stream !== false) await stream(res, answer, reply, gone);
    else if (reply.error) sendError(res, reply.error.status ?? 500, reply.error.message);
    else sendJson(res, 200, { ...lineOf(answer, answer.content, answer.toolCalls), ...doneOf(answer) });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
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
interface Answer {
  model: string;
  content: string;
  toolCalls: { id: string; function: { index: number; name: string; arguments: Record<string, unknown> } }[];
  promptTokens: number;
  completionTokens: number;
  startedAt: bigint;
}

function answerOf(reply: FakeReply, request: RecordedRequest): Answer {
  const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
    // Ollama's own form of call id: `call_` and eight random characters.
    id: `call_${randomBytes(4).toString('hex')}`,
    function: { index, name: call.name, arguments: call.arguments },
  }));
  const messages: { content?: string }[] = request.body?.messages ?? [];
  const content = reply.content ?? '';
  return {
    model: String(request.body.model),
    content,
    toolCalls,
    promptTokens: messages.reduce((sum, message) => sum + countWords(message.content ?? ''), 0),
    completionTokens:
      countWords(content) +
      toolCalls.reduce(
        (sum, call) => sum + countWords(`${call.function.name} ${JSON.stringify(call.function.arguments)}`),
        0,
      ),
    startedAt: process.hrtime.bigint(),
  };
}

function lineOf(answer: Answer, content: string, toolCalls: Answer['toolCalls'] = []) {
  return {
    model: answer.model,
    created_at: new Date().toISOString(),
    message: { role: 'assistant', content, ...(toolCalls.length > 0 && { tool_calls: toolCalls }) },
    done: false,
  };
}

/** The last line's fields: why it stopped, and the counts and durations (nanoseconds) Ollama reports. */
function doneOf(answer: Answer) {
  const total = Number(process.hrtime.bigint() - answer.startedAt);
  return {
    done: true,
    done_reason: 'stop',
    total_duration: total,
    load_duration: 0,
    prompt_eval_count: answer.promptTokens,
    prompt_eval_duration: Math.floor(total / 4),
    eval_count: answer.completionTokens,
    eval_duration: total - Math.floor(total / 4),
  };
}

async function stream(res: ServerResponse, answer: Answer, reply: FakeReply, gone: AbortSignal) {
  const lines: unknown[] = splitWords(answer.content).map((word) => lineOf(answer, word));
  for (const call of answer.toolCalls) lines.push(lineOf(answer, '', [call]));
  lines.push(reply.error ? { error: reply.error.message } : { ...lineOf(answer, ''), ...doneOf(answer) });
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  for (const [i, line] of lines.entries()) {
    if (i > 0 && reply.tokenDelayMs && !(await wait(reply.tokenDelayMs, gone))) return;
    if (res.destroyed) return;
    res.write(`${JSON.stringify(line)}\n`);
  }
  res.end();
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendJson(res, status, { error: message });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
