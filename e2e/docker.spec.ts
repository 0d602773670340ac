import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseDotenv } from 'dotenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { subgraphs } from '@peerlink/launcher/subgraphs';
import { gatewayConfig, type GatewayConfig } from '@peerlink/gateway/config';
import { loadConfig, loadSlices } from '@peerlink/platform/config';

/**
 * The Docker path, checked without a Docker engine: `npm run keys` writes a .env Compose accepts,
 * docker-compose.yml gives every service what its configuration requires from pinned images, and
 * the Dockerfile builds every workspace and ships only production dependencies, as `node`.
 */

const root = join(import.meta.dirname, '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'peerlink-docker-'));
const envFile = join(scratch, '.env');

interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  ports?: string[];
}
const compose = parseYaml(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const peerlinkServices = Object.entries(compose.services).filter(([, service]) => service.image === 'peerlink:local');

/** Compose's interpolation: ${NAME}, ${NAME:-default} and ${NAME:?error} from the .env file. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    if (env[name]) return env[name]!;
    if (kind === '?') throw new Error(`${name} is not set: ${rest}`);
    return kind === '-' ? rest! : '';
  });
}

/** Runs node with `args` (asynchronously: the server it calls lives in this process) and gives its exit code. */
function exitCode(args: string[], env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: 'ignore', timeout: 10_000 });
    child.once('error', reject);
    child.once('exit', resolve);
  });
}

beforeAll(async () => {
  // The documented command, through npm and turbo, with the file named so the repository's own .env is left alone.
  await run('npm', ['run', 'keys', '--', envFile], { cwd: root });
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('npm run keys', () => {
  it('writes a .env that parses as dotenv and holds only variables', () => {
    const text = readFileSync(envFile, 'utf8');
    for (const line of text.split('\n').filter((l) => l.trim() && !l.startsWith('#'))) {
      expect(line).toMatch(/^[A-Z][A-Z0-9_]*=[A-Za-z0-9+/=]+$/);
    }
    const env = parseDotenv(text);
    expect(Object.keys(env).sort()).toEqual([
      'ACCESS_TOKEN_PRIVATE_KEY',
      'ACCESS_TOKEN_PUBLIC_KEY',
      'ASSISTANT_PRIVATE_KEY',
      'ASSISTANT_PUBLIC_KEY',
      'FILE_URL_SECRET',
      'GATEWAY_PRIVATE_KEY',
      'GATEWAY_PUBLIC_KEY',
    ]);
    // Usable keys: the gateway's configuration accepts its pair and derives nothing wrong.
    const config = loadConfig({ SERVICE: 'gateway', ...env });
    expect(config.gatewayKeys?.privateKey).toBeDefined();
    expect(config.accessTokenKeys?.publicKey).toBeDefined();
    expect(statSync(envFile).mode & 0o077).toBe(0);
  });

  it('refuses to overwrite an existing file', async () => {
    const before = readFileSync(envFile, 'utf8');
    const result = spawnSync(process.execPath, ['launcher/dist/keys.js', envFile], { cwd: root, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('already exists');
    expect(readFileSync(envFile, 'utf8')).toBe(before);
  });
});

describe('docker-compose.yml', () => {
  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image === 'peerlink:local') continue;
      expect(service.image, name).toMatch(/:v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/);
    }
  });

  it('gives each PeerLink service what its configuration requires, from the keys npm run keys wrote', () => {
    const env = parseDotenv(readFileSync(envFile, 'utf8'));
    expect(peerlinkServices.map(([name]) => name).sort()).toEqual(
      ['gateway', 'migrate', ...subgraphs.map((s) => s.definition.name)].sort(),
    );
    for (const [name, service] of peerlinkServices) {
      const environment = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([key, value]) => [key, interpolate(String(value), env)]),
      );
      expect(environment.SERVICE, name).toBe(name);
      const config = loadConfig(environment);
      expect(config.DATABASE_URL && config.NATS_URL && config.REDIS_URL && config.SMTP_URL, name).toBeTruthy();
      // The service's own slice is valid too (the gateway's, or the subgraph's).
      const own =
        name === 'gateway' ? gatewayConfig : subgraphs.find((s) => s.definition.name === name)?.definition.config;
      const settings = own ? loadSlices(environment, config, { own }).own : undefined;
      if (name === 'identity') expect(config.accessTokenKeys?.privateKey, name).toBeDefined();
      if (name === 'gateway') {
        expect(config.gatewayKeys?.privateKey).toBeDefined();
        // Every subgraph, at the port its own process listens on.
        expect((settings as GatewayConfig).subgraphUrls).toEqual(
          Object.fromEntries(
            subgraphs.map((s) => [s.definition.name, `http://${s.definition.name}:${s.port}/graphql`]),
          ),
        );
      } else if (name !== 'migrate') {
        expect(Number(environment.PORT), name).toBe(subgraphs.find((s) => s.definition.name === name)!.port);
        // A subgraph holds no private key but its own: identity signs access tokens, the assistant its
        // delegated calls to the gateway.
        const signsWith = { identity: 'ACCESS_TOKEN_PRIVATE_KEY', assistant: 'ASSISTANT_PRIVATE_KEY' }[name];
        expect(
          Object.keys(environment).filter((key) => key.endsWith('_PRIVATE_KEY') && key !== signsWith),
          name,
        ).toEqual([]);
        if (name === 'assistant') expect(config.assistantKeys?.privateKey, name).toBeDefined();
      }
    }
  });

  it('starts services after what they depend on, and only what exists', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(compose.services[dependency], `${name} -> ${dependency}`).toBeDefined();
    }
    // Migrations finish before any service starts, directly or through what it waits for.
    const waitsForMigrate = (name: string): boolean =>
      compose.services[name]!.depends_on?.migrate?.condition === 'service_completed_successfully' ||
      Object.keys(compose.services[name]!.depends_on ?? {}).some(
        (dependency) => dependency !== name && waitsForMigrate(dependency),
      );
    for (const [name] of peerlinkServices.filter(([n]) => n !== 'migrate'))
      expect(waitsForMigrate(name), name).toBe(true);
  });

  it('mounts the files volume where the image makes a directory owned by node', () => {
    // Drive serves the files; learning's transcoder reads uploads and writes renditions there, and signs links to
    // them with the secret drive checks.
    for (const name of ['drive', 'learning']) {
      expect(compose.services[name]!.volumes, name).toContain('files:/app/.data/files');
      expect(compose.services[name]!.environment?.FILE_URL_SECRET, name).toMatch(/^\$\{FILE_URL_SECRET:\?/);
    }
    const dockerfile = read('Dockerfile');
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toMatch(/mkdir -p \.data\/files && chown -R node:node \.data/);
    expect(runtime.indexOf('chown -R node:node .data')).toBeLessThan(runtime.indexOf('USER node'));
  });

  it('sends every process’s traces to Jaeger over OTLP/HTTP, whose UI only this machine reaches', () => {
    const { jaeger } = compose.services;
    expect(jaeger!.ports).toEqual(['127.0.0.1:16686:16686']);
    expect(jaeger!.environment?.COLLECTOR_OTLP_ENABLED).toBe('true');
    for (const [name, service] of peerlinkServices)
      expect(service.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, name).toBe('http://jaeger:4318');
  });

  it('runs Prometheus and Grafana from deploy/, where their configuration looks, on this machine only', () => {
    const { prometheus, grafana } = compose.services;
    // Prometheus has no sign-in; Grafana's anonymous viewers see every dashboard.
    expect(prometheus!.ports).toEqual(['127.0.0.1:9090:9090']);
    expect(grafana!.ports).toEqual(['127.0.0.1:3000:3000']);
    /** Bind mounts as container path -> repository path, each of which exists. */
    const mounts = (service: ComposeService) =>
      Object.fromEntries(
        (service.volumes ?? [])
          .filter((volume) => volume.startsWith('./'))
          .map((volume) => {
            const [source, target, mode] = volume.split(':');
            expect(existsSync(join(root, source!)), source).toBe(true);
            expect(mode, volume).toBe('ro');
            return [target!, source!];
          }),
      );
    expect(mounts(prometheus!)).toEqual({ '/etc/prometheus': './deploy/prometheus' });
    expect(prometheus!.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    const provider = (
      parseYaml(read('deploy/grafana/provisioning/dashboards/peerlink.yml')) as {
        providers: { options: { path: string } }[];
      }
    ).providers[0]!.options.path;
    expect(mounts(grafana!)).toEqual({
      '/etc/grafana/provisioning/datasources': './deploy/grafana/provisioning/datasources',
      '/etc/grafana/provisioning/dashboards': './deploy/grafana/provisioning/dashboards',
      [provider]: './deploy/grafana/dashboards',
    });
    const home = grafana!.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH!;
    expect(home.startsWith(`${provider}/`)).toBe(true);
    expect(existsSync(join(root, 'deploy/grafana/dashboards', home.slice(provider.length)))).toBe(true);
    expect(grafana!.environment!.GF_AUTH_ANONYMOUS_ORG_ROLE).toBe('Viewer');
    expect(grafana!.depends_on?.prometheus?.condition).toBe('service_healthy');
    // Data lives in named volumes; both images are busybox or Alpine based, with wget for their health checks.
    for (const [name, service] of [
      ['prometheus', prometheus!],
      ['grafana', grafana!],
    ] as const) {
      expect(service.volumes, name).toContain(`${name}:${name === 'grafana' ? '/var/lib/grafana' : '/prometheus'}`);
      expect(compose.volumes, name).toHaveProperty(name);
      expect(service.healthcheck!.test.slice(0, 2), name).toEqual(['CMD', 'wget']);
    }
  });

  it("has health checks the images can run: pg_isready, redis-cli, busybox wget, and the services' node one against /healthz", async () => {
    expect(compose.services.postgres!.image).toMatch(/^postgres:/);
    expect(compose.services.postgres!.healthcheck!.test[1]).toBe('pg_isready');
    expect(compose.services.redis!.image).toMatch(/^redis:/);
    expect(compose.services.redis!.healthcheck!.test[1]).toBe('redis-cli');
    // The nats image without -alpine is FROM scratch: no wget to run.
    expect(compose.services.nats!.image).toMatch(/-alpine$/);
    expect(compose.services.nats!.healthcheck!.test[1]).toBe('wget');
    // The PeerLink services' check, run as the container would, against a healthy and a sick server.
    let healthy = true;
    const server = createServer((request, response) =>
      response.writeHead(request.url === '/healthz' && healthy ? 200 : 503).end(),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = String((server.address() as AddressInfo).port);
      for (const [name, service] of peerlinkServices.filter(([n]) => n !== 'migrate')) {
        const [kind, command, ...args] = service.healthcheck!.test;
        expect([kind, command], name).toEqual(['CMD', 'node']);
        healthy = true;
        expect(await exitCode(args, { PORT: port }), name).toBe(0);
        healthy = false;
        expect(await exitCode(args, { PORT: port }), name).toBe(1);
      }
    } finally {
      server.close();
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/\n(?=FROM )/);
  const runtime = stages.at(-1)!;

  it('pins its base image and copies every workspace package.json before npm ci', () => {
    for (const from of dockerfile.matchAll(/^FROM (\S+)/gm)) {
      if (['manifests'].includes(from[1]!)) continue;
      expect(from[1]).toMatch(/^node:\d+\.\d+\.\d+-/);
    }
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces.flatMap((pattern) =>
      pattern.endsWith('/*') ? subgraphs.map((s) => `${pattern.slice(0, -1)}${s.definition.name}`) : [pattern],
    );
    for (const workspace of workspaces) expect(dockerfile).toContain(`COPY ${workspace}/package.json ${workspace}/`);
  });

  it('builds the launcher and everything it runs, the explorer bundle included, and ships production dependencies only, as node', () => {
    expect(dockerfile).toContain('npx turbo run build --filter=@peerlink/launcher...');
    expect(dockerfile).toContain('npm ci --omit=dev --workspace=@peerlink/launcher');
    expect(runtime).toContain('COPY --from=build /app/gateway/dist gateway/dist');
    // The gateway serves pages/ beside dist/ (pages.ts, admin-page.ts): without it their scripts would be 404s.
    expect(runtime).toContain('COPY --from=build /app/gateway/pages gateway/pages');
    expect(runtime).toContain('COPY --from=build /app/schema/supergraph.graphql schema/');
    expect(runtime).not.toMatch(/COPY \. |COPY --from=build \/app \/app/);
    expect(runtime).toMatch(/\nUSER node\n/);
  });

  it('leaves the explorer, the test stack and the build tools out of the production dependencies', async () => {
    const { stdout } = await run(
      'npm',
      ['ls', '--omit=dev', '--workspace=@peerlink/launcher', '--all', '--parseable'],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    const names = new Set(
      stdout
        .split('\n')
        .map((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(path)?.[1])
        .filter(Boolean),
    );
    // react and react-dom are not listed: the explorer's copy is also an optional peer of
    // @langchain/langgraph-sdk (the assistant's LangGraph), and npm then installs it with the production
    // dependencies (an unused few hundred kilobytes); graphiql below is what would ship the explorer.
    for (const devOnly of [
      'graphiql',
      '@graphiql/toolkit',
      'esbuild',
      'vitest',
      'turbo',
      'typescript',
      'smtp-server',
      'playwright-core',
      's3rver',
      '@peerlink/e2e',
    ]) {
      expect(names.has(devOnly), devOnly).toBe(false);
    }
    // What runs is there.
    for (const needed of ['@apollo/gateway', '@electric-sql/pglite', 'argon2', 'stripe', '@peerlink/gateway'])
      expect(names.has(needed), needed).toBe(true);
  });

  it('keeps history, local installs, data, secrets and bench results out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['.git', '**/node_modules', '**/dist', '.data', '.env', 'bench'])
      expect(ignored, entry).toContain(entry);
  });
});
