import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatewayConfig } from '@peerlink/gateway/config';
import { loadConfig } from '@peerlink/platform/config';
import { configProblems } from '@peerlink/platform/testing/config-problems';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-gateway-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

const load = (values: Record<string, string> = {}) => {
  const env = { DATA_DIR: dataDir, ...values };
  return gatewayConfig(env, loadConfig(env));
};

describe('the gateway’s configuration', () => {
  it('needs nothing: introspection on, the committed supergraph, every limit at its default', () => {
    expect(load()).toMatchObject({
      INTROSPECTION: true,
      SUPERGRAPH_PATH: 'schema/supergraph.graphql',
      MAX_QUERY_COST: 10_000,
      RATE_LIMIT_PER_MINUTE: 1200,
      subgraphUrls: {},
    });
  });

  it('bounds subscription resumes to 5 minutes and 1,000 events unless set, within the stream’s 7 days', () => {
    expect([load().SUBSCRIPTION_RESUME_WINDOW_MS, load().SUBSCRIPTION_RESUME_MAX_EVENTS]).toEqual([300_000, 1000]);
    expect(load({ SUBSCRIPTION_RESUME_WINDOW_MS: '60000' }).SUBSCRIPTION_RESUME_WINDOW_MS).toBe(60_000);
    for (const bad of ['0', '1.5', String(8 * 24 * 3600_000), 'soon'])
      expect(() => load({ SUBSCRIPTION_RESUME_WINDOW_MS: bad })).toThrow(/SUBSCRIPTION_RESUME_WINDOW_MS/);
    for (const bad of ['0', '-5', '100001'])
      expect(() => load({ SUBSCRIPTION_RESUME_MAX_EVENTS: bad })).toThrow(/SUBSCRIPTION_RESUME_MAX_EVENTS/);
  });

  it('parses subgraph URL overrides and rejects malformed ones', () => {
    expect(
      load({ SUBGRAPH_URLS: 'identity=http://id:4001/graphql, notifications=http://n:4002/graphql' }).subgraphUrls,
    ).toEqual({
      identity: 'http://id:4001/graphql',
      notifications: 'http://n:4002/graphql',
    });
    expect(configProblems(() => load({ SUBGRAPH_URLS: 'identity' }))).toEqual([
      expect.stringMatching(/^SUBGRAPH_URLS: "identity"/),
    ]);
  });

  it('lists every bad variable of its own at once', () => {
    const problems = configProblems(() =>
      load({
        MAX_QUERY_DEPTH: '0',
        INTROSPECTION: 'perhaps',
        RATE_LIMIT_PER_MINUTE: 'many',
        CORS_CREDENTIALS: 'maybe',
      }),
    );
    for (const name of ['MAX_QUERY_DEPTH', 'INTROSPECTION', 'RATE_LIMIT_PER_MINUTE', 'CORS_CREDENTIALS'])
      expect(problems.join('\n')).toContain(name);
    expect(problems).toHaveLength(4);
  });
});
