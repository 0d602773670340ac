import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed operations from the committed supergraph: every .graphql operation under e2e/operations
 * becomes a TypedDocumentNode whose result and variables types the tests (and any client) use.
 * Run `npm run codegen` after changing the schema or an operation.
 */
const config: CodegenConfig = {
  schema: 'schema/supergraph.graphql',
  documents: ['e2e/operations/**/*.graphql'],
  generates: {
    'e2e/generated/graphql.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        onlyOperationTypes: true,
        enumsAsTypes: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        scalars: { DateTimeISO: 'string', ID: 'string', SafeInt: 'number' },
        useTypeImports: true,
      },
    },
  },
  hooks: { afterAllFileWrite: [] },
};

export default config;
