import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { keepAliveFetcher, SubgraphUnavailableError } from '@peerlink/gateway/keep-alive-fetcher';
import { requestSignal, TIME_LEFT_HEADER } from '@peerlink/platform/graphql/request-deadline';
import { waitFor } from '@peerlink/platform/testing/wait-for';

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
});

/** A server that answers the first request on each socket and resets the socket on any later one. */
async function resettingServer(resetFirst = false) {
  let requests = 0;
  const perSocket = new WeakMap<object, number>();
  server = createServer((req, res) => {
    requests += 1;
    const count = (perSocket.get(req.socket) ?? 0) + 1;
    perSocket.set(req.socket, count);
    if (resetFirst || count > 1) return void req.socket.destroy();
    res.end(JSON.stringify({ data: { ok: true } }));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, requests: () => requests };
}

describe('keepAliveFetcher', () => {
  it('sends an idempotent request again, on a new socket, when its kept-alive socket was reset', async () => {
    const { url, requests } = await resettingServer();
    const fetch = keepAliveFetcher(5_000);
    expect(await (await fetch(url, { method: 'POST', body: '{}', idempotent: true })).json()).toEqual({
      data: { ok: true },
    });
    expect(await (await fetch(url, { method: 'POST', body: '{}', idempotent: true })).json()).toEqual({
      data: { ok: true },
    });
    expect(requests()).toBe(3);
  });

  it('never sends a request that is not idempotent twice: the subgraph may have acted on it before the reset', async () => {
    const { url, requests } = await resettingServer();
    const fetch = keepAliveFetcher(5_000);
    expect((await fetch(url, { method: 'POST', body: '{}' })).ok).toBe(true);
    await expect(fetch(url, { method: 'POST', body: '{"query":"mutation { pay }"}' })).rejects.toBeInstanceOf(
      SubgraphUnavailableError,
    );
    expect(requests()).toBe(2);
  });

  it('keeps one deadline for a request and its retry', async () => {
    // The reused socket is reset after 400 ms and the new one answers after 400 ms more: 800 ms in
    // all, past the 500 ms deadline, although each attempt alone is within it.
    const perSocket = new WeakMap<object, number>();
    server = createServer((req, res) => {
      const count = (perSocket.get(req.socket) ?? 0) + 1;
      perSocket.set(req.socket, count);
      if (count === 1 && req.headers['x-warm']) return void res.end('{"data":{}}');
      setTimeout(() => (count > 1 ? req.socket.destroy() : res.end('{"data":{}}')), 400);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const fetch = keepAliveFetcher(500);
    expect((await fetch(url, { method: 'POST', body: '{}', headers: { 'x-warm': '1' } })).ok).toBe(true);
    await expect(fetch(url, { method: 'POST', body: '{}', idempotent: true })).rejects.toThrow(/within 500 ms/);
  });

  it('does not retry a reset on a new socket: the subgraph is unreachable', async () => {
    const { url, requests } = await resettingServer(true);
    await expect(keepAliveFetcher(5_000)(url, { method: 'POST', body: '{}' })).rejects.toBeInstanceOf(
      SubgraphUnavailableError,
    );
    expect(requests()).toBe(1);
  });
});

describe('keepAliveFetcher socket cap', () => {
  it('opens at most maxSockets connections for a burst; the rest wait their turn and are all answered', async () => {
    const sockets = new Set<object>();
    let open = 0;
    let mostOpen = 0;
    server = createServer((req, res) => {
      sockets.add(req.socket);
      open += 1;
      mostOpen = Math.max(mostOpen, open);
      setImmediate(() => {
        open -= 1;
        res.end('{"data":{}}');
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
    const fetch = keepAliveFetcher({ timeoutMs: 5_000, maxSockets: 3 });
    const answers = await Promise.all(Array.from({ length: 50 }, () => fetch(url, { method: 'POST', body: '{}' })));
    expect(answers.every((a) => a.ok)).toBe(true);
    expect(sockets.size).toBeLessThanOrEqual(3);
    expect(mostOpen).toBeLessThanOrEqual(3);
  });
});

describe('abandoned subgraph calls', () => {
  /** A subgraph that never answers, and tells what its request's signal (request-deadline.ts) says. */
  async function stuckSubgraph() {
    const seen: { timeLeft?: string; signal?: AbortSignal } = {};
    server = createServer((req, res) => {
      seen.timeLeft = req.headers[TIME_LEFT_HEADER] as string;
      seen.signal = requestSignal(req, res, 60_000);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`, seen };
  }

  it('stops the subgraph when the client goes away: the call is dropped and the subgraph’s signal aborts', async () => {
    const { url, seen } = await stuckSubgraph();
    const client = new AbortController();
    const answer = keepAliveFetcher(60_000)(url, { method: 'POST', body: '{}', signal: client.signal });
    await waitFor('the subgraph to get the call', () => seen.signal, 5_000);
    expect(seen.signal!.aborted).toBe(false);
    client.abort();
    await expect(answer).rejects.toThrow(/abandoned/);
    await waitFor('the subgraph’s signal to abort', () => seen.signal!.aborted, 5_000);
    // Already gone: nothing is sent.
    await expect(
      keepAliveFetcher(60_000)(url, { method: 'POST', body: '{}', signal: client.signal }),
    ).rejects.toBeInstanceOf(SubgraphUnavailableError);
  });

  it('tells the subgraph how long it will wait, and the subgraph stops when that has passed', async () => {
    const { url, seen } = await stuckSubgraph();
    const answer = keepAliveFetcher(400)(url, { method: 'POST', body: '{}' });
    await waitFor('the subgraph to get the call', () => seen.signal, 5_000);
    expect(Number(seen.timeLeft)).toBeGreaterThan(0);
    expect(Number(seen.timeLeft)).toBeLessThanOrEqual(400);
    await expect(answer).rejects.toBeInstanceOf(SubgraphUnavailableError);
    await waitFor('the subgraph’s signal to abort', () => seen.signal!.aborted, 5_000);
  });
});
