import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@peerlink/platform/config';
import { afterAll, describe, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'peerlink-config-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('loadConfig', () => {
  it('needs nothing: every service falls back to its embedded adapter', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({ PORT: 4000, SERVICE: 'all', INTROSPECTION: true, publicUrl: 'http://localhost:4000' });
    expect(config.DATABASE_URL ?? config.NATS_URL ?? config.REDIS_URL ?? config.SMTP_URL).toBeUndefined();
  });

  it('generates secrets once and keeps them in DATA_DIR, so a restart keeps sessions valid', () => {
    const first = loadConfig({ DATA_DIR: dataDir });
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(first.internalSecret).not.toBe(first.jwtSecret);
    expect(loadConfig({ DATA_DIR: dataDir }).jwtSecret).toBe(first.jwtSecret);
    expect(JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).jwtSecret).toBe(first.jwtSecret);
  });

  it('lists every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: dataDir, PORT: 'eighty', DATABASE_URL: 'mysql://db', NATS_URL: 'not a url', EVENT_NAMESPACE: 'Bad-Name', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'DATABASE_URL', 'NATS_URL', 'EVENT_NAMESPACE', 'LOG_LEVEL']) expect(problems).toContain(name);
  });

  it('requires shared secrets for a process that is one part of a distributed setup', () => {
    expect(() => loadConfig({ DATA_DIR: dataDir, SERVICE: 'identity' })).toThrow(/JWT_SECRET[\s\S]*INTERNAL_SECRET/);
    expect(() => loadConfig({ DATA_DIR: dataDir, SERVICE: 'identity', JWT_SECRET: 'short', INTERNAL_SECRET: 'x'.repeat(32) })).toThrow(/JWT_SECRET: must be at least 32/);
    const secret = 's'.repeat(32);
    expect(loadConfig({ DATA_DIR: dataDir, SERVICE: 'identity', JWT_SECRET: secret, INTERNAL_SECRET: secret }).jwtSecret).toBe(secret);
  });

  it('parses subgraph URL overrides and rejects malformed ones', () => {
    expect(loadConfig({ DATA_DIR: dataDir, SUBGRAPH_URLS: 'identity=http://id:4001/graphql, notifications=http://n:4002/graphql' }).subgraphUrls).toEqual({
      identity: 'http://id:4001/graphql',
      notifications: 'http://n:4002/graphql',
    });
    expect(() => loadConfig({ DATA_DIR: dataDir, SUBGRAPH_URLS: 'identity' })).toThrow(/SUBGRAPH_URLS/);
  });
});
