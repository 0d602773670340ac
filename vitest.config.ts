import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

/**
 * One run for the whole repository: unit specs beside each package's code and end-to-end specs in
 * e2e/. Tests import the packages' built output (npm test builds first), so they run the same
 * JavaScript that `npm start` does.
 */
export default defineConfig({
  resolve: {
    // Node loads graphql's CommonJS build for every importer; Vite would pick its .mjs for ours and
    // Apollo's schemas would then come from "another realm".
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: [
      'platform/test/**/*.spec.ts',
      'subgraphs/*/test/**/*.spec.ts',
      'gateway/test/**/*.spec.ts',
      'e2e/**/*.spec.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
