/**
 * The package boundaries, checked by `npm run boundaries` (part of `npm test`). A subgraph knows
 * other subgraphs only through the events declared in @peerlink/contracts; shared code lives in
 * platform; one package reaches another only through what the other's package.json exports.
 * Type-only imports count (`tsPreCompilationDeps`): that is how event types cross packages.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'subgraph-imports-another-subgraph',
      comment:
        'A subgraph runs, deploys and changes on its own: of our packages it imports only @peerlink/platform and ' +
        '@peerlink/contracts, never another subgraph (not even its types) nor the gateway or launcher that host it. ' +
        "What it needs of another domain is that domain's events, declared in contracts. (Its tests may " +
        "share e2e/support's fakes.)",
      severity: 'error',
      from: { path: '^subgraphs/([^/]+)/' },
      to: { path: '^(subgraphs|gateway|launcher)/', pathNot: '^subgraphs/$1/' },
    },
    {
      name: 'contracts-import-only-contracts',
      comment:
        'Contracts are what publishers and consumers agree on; importing one must bring in no code, so a contract ' +
        'may import other contracts and nothing else (no platform, no npm packages, no Node built-ins).',
      severity: 'error',
      from: { path: '^contracts/' },
      to: { pathNot: '^contracts/' },
    },
    {
      name: 'platform-imports-no-app-package',
      comment:
        'Platform is the layer underneath everything: if it imported a subgraph, the gateway or the launcher, every ' +
        'package would depend on them in turn, and a cycle would hold the build together.',
      severity: 'error',
      from: { path: '^platform/' },
      to: { path: '^(subgraphs|gateway|launcher)/' },
    },
    {
      name: 'gateway-imports-no-subgraph',
      comment:
        'The gateway learns about subgraphs from the composed supergraph at run time, so a new or changed domain ' +
        'needs no gateway change; importing one would tie their releases together.',
      severity: 'error',
      from: { path: '^gateway/' },
      to: { path: '^subgraphs/' },
    },
    {
      name: 'no-deep-import-by-path',
      comment:
        "Another package's src/ or dist/ reached by a relative path skips its package.json exports, the one list of " +
        'what it promises to keep; import it by its @peerlink/ name instead.',
      severity: 'error',
      from: { path: '^(contracts|platform|gateway|launcher|e2e|bench|subgraphs/[^/]+)/' },
      // A relative path is `local` only; a package name is also `aliased` or `undetermined`.
      to: {
        path: '^(contracts|platform|gateway|launcher|subgraphs/[^/]+)/(src|dist)/',
        pathNot: '^$1/',
        dependencyTypes: ['local'],
        dependencyTypesNot: ['aliased', 'undetermined'],
      },
    },
    {
      name: 'no-deep-import-by-name',
      comment:
        'A @peerlink/ import that does not resolve names something the package does not export (a subgraph exports ' +
        'only its entry point): have the package export it there, or do without it.',
      severity: 'error',
      from: {},
      to: { path: '^@peerlink/', couldNotResolve: true },
    },
  ],
  options: {
    // Imports of npm packages and built output are recorded (so the rules see them) but not followed.
    doNotFollow: { path: '(^|/)(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    // Resolve as TypeScript and Node do here: package.json exports and imports, under the source
    // condition (src/*.ts, so no build is needed).
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@peerlink/source', 'import', 'types', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
