import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RunningGateway } from '@peerlink/gateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreatePostDocument, PostsByDocument } from './generated/graphql.js';
import { ok, request } from './support/client.js';
import { forwardedHeaders, secondGateway } from './support/second-gateway.js';
import { member } from './support/social.js';
import { startTestStack, type TestStack } from './support/stack.js';

/**
 * A second gateway whose social subgraph sits behind a proxy that can drop the gateway's connection
 * after the subgraph has acted on a request: the answer is lost, the effect is not.
 */
let t: TestStack;
let gateway: RunningGateway;
let proxy: Server;
const arrived: string[] = [];
let dropNext: RegExp | null = null;

beforeAll(async () => {
  t = await startTestStack();
  const socialUrl = t.stack.subgraphs.find((s) => s.name === 'social')!.url;
  proxy = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      const operation = String(JSON.parse(body).query);
      arrived.push(operation);
      const headers = forwardedHeaders(req);
      const answer = await fetch(socialUrl, { method: 'POST', headers, body });
      const text = await answer.text();
      if (dropNext?.test(operation)) {
        dropNext = null;
        return void req.socket.destroy();
      }
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  gateway = await secondGateway(t, { social: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql` });
});
afterAll(async () => {
  await gateway?.stop();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
  await t?.stop();
});

describe('subgraph calls the connection drops under', () => {
  it('never sends a mutation twice: it is applied once and the client gets SERVICE_UNAVAILABLE', async () => {
    const author = await member(t, 'drop');
    // A query first, so the mutation goes out on a kept-alive socket: the case a retry was made for.
    await ok(gateway.url, PostsByDocument, { authorId: author.id }, author.token);
    arrived.length = 0;
    dropNext = /^\s*mutation/;
    const result = await request(
      gateway.url,
      CreatePostDocument,
      { input: { body: 'Sent once' } },
      { token: author.token },
    );
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
    expect(arrived.filter((operation) => /^\s*mutation/.test(operation))).toHaveLength(1);
    const posts = (await ok(gateway.url, PostsByDocument, { authorId: author.id }, author.token)).posts.edges;
    expect(posts.map((e) => e.node.body)).toEqual(['Sent once']);
  });

  it('sends a query again on a new socket when its kept-alive one drops, and answers it', async () => {
    const author = await member(t, 'dropq');
    await ok(gateway.url, PostsByDocument, { authorId: author.id }, author.token);
    arrived.length = 0;
    dropNext = /^\s*(query|\{)/;
    const result = await request(gateway.url, PostsByDocument, { authorId: author.id }, { token: author.token });
    expect(result.errors).toBeUndefined();
    expect(arrived).toHaveLength(2);
  });
});
