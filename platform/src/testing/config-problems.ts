import { ConfigError, loadConfig, type ConfigSlice } from '../config.js';

/** What a configuration load refuses, one line per problem; none when it loads. */
export function configProblems(load: () => unknown): string[] {
  try {
    load();
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems;
  }
}

/** A service's slice read from `env`, beside platform settings that need no keys (those of `npm run migrate`). */
export function readSliceOf<T>(slice: ConfigSlice<T>, env: Record<string, string> = {}): T {
  const withPlatform = { SERVICE: 'migrate', ...env };
  return slice(withPlatform, loadConfig(withPlatform));
}
