import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { corsFor } from '@peerlink/gateway/cors';
import type { CorsPolicy } from '@peerlink/gateway/config';

let server: Server | undefined;
afterEach(() => void server?.close());

/** A route behind corsFor(policy) that answers 200, and where it listens. */
async function serve(policy: CorsPolicy): Promise<string> {
  const app = express();
  app.use('/graphql', corsFor(policy, ['GET', 'POST']), (_req, res) => void res.send('ok'));
  server = createServer(app);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

const preflight = (url: string, origin: string) =>
  fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });

describe('corsFor', () => {
  it('names the one allowed origin, with credentials when configured', async () => {
    const url = await serve({ origins: ['https://app.example.com'], localhost: false, credentials: true });
    const answer = await fetch(url, { headers: { origin: 'https://app.example.com' } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    expect(answer.headers.get('vary')).toBe('Origin');
    const allowed = await preflight(url, 'https://app.example.com');
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('answers * for every origin, never with credentials', async () => {
    const url = await serve({ origins: '*', localhost: false, credentials: false });
    const answer = await fetch(url, { headers: { origin: 'https://anyone.example' } });
    expect(answer.headers.get('access-control-allow-origin')).toBe('*');
    expect(answer.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('serves other origins and clients without an Origin, but gives them no CORS headers', async () => {
    const url = await serve({ origins: ['https://app.example.com'], localhost: false, credentials: false });
    for (const headers of [{ origin: 'https://evil.example' }, {}] as Record<string, string>[]) {
      const answer = await fetch(url, { headers });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('access-control-allow-origin')).toBeNull();
      expect(answer.headers.get('vary')).toBe('Origin');
    }
    const refused = await preflight(url, 'https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-methods')).toBeNull();
    // An OPTIONS that is not a preflight is the route's to answer.
    expect((await fetch(url, { method: 'OPTIONS' })).status).toBe(200);
  });
});
