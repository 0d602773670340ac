import http from 'node:http';
import https from 'node:https';
import { TIME_LEFT_HEADER } from '@peerlink/platform/graphql/request-deadline';

/**
 * Idle keep-alive sockets to a subgraph are closed after this; subgraphs keep theirs open 65 s
 * (SUBGRAPH_KEEP_ALIVE_MS).
 */
const IDLE_SOCKET_MS = 30_000;

/**
 * The gateway's HTTP client for subgraph calls: node's http.request on keep-alive agents, with a
 * deadline. It answers the small part of fetch() the subgraph client uses, at about a third of the
 * CPU of the built-in fetch (measured: ~270 µs against ~900 µs per call here), which matters because
 * every federated operation makes one call per subgraph it touches.
 */
/** A subgraph did not answer: too slow, or not reachable. Clients get SERVICE_UNAVAILABLE for it. */
export class SubgraphUnavailableError extends Error {
  override name = 'SubgraphUnavailableError';
  /** Which subgraph, set by its client: the gateway answers an error at each of its fields' paths. */
  subgraph?: string;
}

export interface FetcherOptions {
  timeoutMs: number;
  /** Connections open at once per agent (one per subgraph); more requests queue for a free one. */
  maxSockets?: number;
}

type Init = {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Safe to send twice (a query, a live lookup). Only such a request is sent again after a reset. */
  idempotent?: boolean;
  /** Aborted when nobody waits for the answer any more (the client went away): the request is dropped at once. */
  signal?: AbortSignal;
};

/** One agent per call site: the socket cap is then per subgraph. */
export function keepAliveFetcher(options: FetcherOptions | number) {
  const { timeoutMs, maxSockets = Infinity } = typeof options === 'number' ? { timeoutMs: options } : options;
  // Idle sockets are closed here well before a subgraph would close them (65 s), so a request never
  // races the subgraph's close: a mutation that meets a reset is not sent again.
  const idle = { keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS };
  const agents = { 'http:': new http.Agent(idle), 'https:': new https.Agent(idle) };
  const exchange = (target: URL, init: Init) =>
    new Promise<SubgraphResponse>((resolve, reject) => {
      const transport = target.protocol === 'https:' ? https : http;
      let current: http.ClientRequest | undefined;
      const abandoned = () =>
        new SubgraphUnavailableError(`The request to ${target.host} was abandoned: its client went away`);
      if (init.signal?.aborted) return reject(abandoned());
      // One deadline for the whole exchange, a retry included, and not an idle timeout: a subgraph
      // that trickles is as stuck as a silent one. Closing the socket at the deadline (or when the
      // client goes away) tells the subgraph to stop too (platform/src/graphql/request-deadline.ts).
      const deadlineAt = performance.now() + timeoutMs;
      const deadline = setTimeout(
        () => current?.destroy(new SubgraphUnavailableError(`No answer from ${target.host} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const onAbort = () => current?.destroy(abandoned());
      init.signal?.addEventListener('abort', onAbort, { once: true });
      const fail = (error: Error) => {
        clearTimeout(deadline);
        init.signal?.removeEventListener('abort', onAbort);
        reject(error);
      };
      const attempt = (retried: boolean) => {
        // The subgraph learns how long we will wait, so it can stop on its own when that passes.
        const timeLeft = String(Math.max(1, Math.ceil(deadlineAt - performance.now())));
        const request = transport.request(
          target,
          {
            method: init.method ?? 'GET',
            headers: { ...init.headers, [TIME_LEFT_HEADER]: timeLeft },
            agent: agents[target.protocol as 'http:'],
          },
          (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('error', fail);
            response.on('end', () => {
              clearTimeout(deadline);
              init.signal?.removeEventListener('abort', onAbort);
              resolve(new SubgraphResponse(target.href, response, Buffer.concat(chunks).toString('utf8')));
            });
          },
        );
        current = request;
        request.on('error', (error: NodeJS.ErrnoException) => {
          // A reset on a reused socket is usually the subgraph closing it for idleness as we sent, but
          // it may also have read the request and acted on it: only an idempotent one goes again, once,
          // on a new socket. A mutation is never sent twice; its caller is told the subgraph failed.
          if (init.idempotent && !retried && request.reusedSocket && error.code === 'ECONNRESET') return attempt(true);
          const unreachable =
            error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' || error.code === 'EHOSTUNREACH';
          fail(
            unreachable
              ? new SubgraphUnavailableError(`${target.host} is not reachable: ${error.code}`, { cause: error })
              : error,
          );
        });
        request.end(init.body);
      };
      attempt(false);
    });
  // A URL object is parsed once by the caller; a string (tests, one-off calls) here.
  return (url: string | URL, init: Init) => exchange(typeof url === 'string' ? new URL(url) : url, init);
}

/** The answer, read whole; headers stay node's plain object (lower-case names) until someone asks. */
export class SubgraphResponse {
  readonly status: number;
  readonly statusText: string;
  readonly ok: boolean;
  readonly headers: { get(name: string): string | null };

  constructor(
    readonly url: string,
    response: http.IncomingMessage,
    readonly body: string,
  ) {
    this.status = response.statusCode ?? 0;
    this.statusText = response.statusMessage ?? '';
    this.ok = this.status >= 200 && this.status < 300;
    const raw = response.headers;
    this.headers = {
      get: (name) => {
        const value = raw[name.toLowerCase()];
        return value === undefined ? null : String(value);
      },
    };
  }

  async text() {
    return this.body;
  }

  async json() {
    return JSON.parse(this.body);
  }
}
