import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * turbo's cache for `build`, read from a dry run: an unchanged tree rebuilds nothing, a changed
 * source rebuilds its package and what depends on it, and a test file rebuilds nothing.
 */

const root = join(import.meta.dirname, '..');
const run = promisify(execFile);

interface DryTask {
  taskId: string;
  package: string;
  inputs: Record<string, string>;
  cache: { status: 'HIT' | 'MISS' };
  resolvedTaskDefinition: { cache: boolean; outputs: string[] };
}

async function dryRun(): Promise<Map<string, DryTask>> {
  const { stdout } = await run('npx', ['turbo', 'run', 'build', '--dry=json'], {
    cwd: root,
    maxBuffer: 32 * 1024 * 1024,
  });
  const { tasks } = JSON.parse(stdout) as { tasks: DryTask[] };
  return new Map(tasks.map((task) => [task.package, task]));
}

/** A file present only while `test` runs. */
async function withFile<T>(file: string, test: () => Promise<T>): Promise<T> {
  writeFileSync(join(root, file), '// a probe of turbo’s inputs; deleted by build-cache.spec.ts\n');
  try {
    return await test();
  } finally {
    rmSync(join(root, file), { force: true });
  }
}

const probe = () => Math.random().toString(36).slice(2);

describe('the build cache', () => {
  it('caches every package’s build, keyed on its sources and the explorer bundle’s, with dist and tsbuildinfo ' +
    'as outputs', {
    timeout: 60_000,
  }, async () => {
    const tasks = await dryRun();
    for (const [name, task] of tasks) {
      expect(task.resolvedTaskDefinition.cache, name).toBe(true);
      if (name === '@peerlink/e2e') continue;
      expect(task.resolvedTaskDefinition.outputs, name).toEqual(
        expect.arrayContaining(['dist/**', 'tsconfig.tsbuildinfo']),
      );
      for (const file of Object.keys(task.inputs))
        expect(file, name).toMatch(/^(src\/|explorer\/|package\.json$|tsconfig\.json$)/);
    }
    expect(Object.keys(tasks.get('@peerlink/gateway')!.inputs)).toEqual(
      expect.arrayContaining(['explorer/build.mjs', 'explorer/entry.tsx']),
    );
  });

  // Tests run on built output (npm test builds first), so here every build is in the cache.
  it('rebuilds nothing in an unchanged tree', { timeout: 60_000 }, async () => {
    const misses = [...(await dryRun()).values()]
      .filter((task) => task.cache.status !== 'HIT')
      .map((task) => task.taskId);
    expect(misses).toEqual([]);
  });

  it('rebuilds the gateway and what runs it when an explorer file changes, and nothing else', {
    timeout: 60_000,
  }, async () => {
    const tasks = await withFile(`gateway/explorer/probe-${probe()}.tsx`, dryRun);
    const misses = [...tasks.values()]
      .filter((task) => task.cache.status !== 'HIT')
      .map((task) => task.package)
      .sort();
    expect(misses).toEqual(['@peerlink/e2e', '@peerlink/gateway', '@peerlink/launcher']);
  });

  it('rebuilds nothing when only a test changes', { timeout: 60_000 }, async () => {
    const tasks = await withFile(`platform/test/probe-${probe()}.txt`, dryRun);
    expect([...tasks.values()].filter((task) => task.cache.status !== 'HIT').map((task) => task.taskId)).toEqual([]);
  });
});
