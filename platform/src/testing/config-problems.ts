import { ConfigError } from '../config.js';

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
