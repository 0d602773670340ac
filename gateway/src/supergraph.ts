import { readFileSync, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from '@peerlink/platform/logger';

/**
 * The supergraph is composed at build time and committed; the gateway reads the file and swaps in
 * a new schema whenever the file changes, without a restart.
 */
export function supergraphFromFile(path: string, logger: Logger): SupergraphSdlHook {
  const file = resolve(path);
  return async ({ update, healthCheck }) => {
    let current = readFileSync(file, 'utf8');
    let timer: NodeJS.Timeout | undefined;
    const reload = () => {
      let next: string;
      try {
        next = readFileSync(file, 'utf8');
      } catch {
        return; // Mid-replace; the rename that follows triggers another reload.
      }
      if (next === current) return;
      healthCheck(next)
        .then(() => {
          update(next);
          current = next;
          logger.info({ file }, 'supergraph reloaded');
        })
        .catch((err) => logger.error({ err, file }, 'new supergraph rejected; keeping the old one'));
    };
    const watcher = watch(dirname(file), (_event, name) => {
      if (name !== basename(file)) return;
      clearTimeout(timer);
      timer = setTimeout(reload, 150);
    });
    return {
      supergraphSdl: current,
      async cleanup() {
        clearTimeout(timer);
        watcher.close();
      },
    };
  };
}
