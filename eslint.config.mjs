import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.tools/', 'dist/', 'bin/', '.mb*.ts'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json' } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test tracks the promises its test()/describe() calls return.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Workflow code is replayed inside Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['src/workflows/**/*.ts'],
    rules: {
      // Type-only imports (e.g. the activities' types for proxyActivities) are erased at bundling.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows must be deterministic: no Node built-ins.', allowTypeImports: true },
            { group: ['fs', 'path', 'os', 'http', 'https', 'crypto', 'child_process', 'net', 'stream', 'zlib'], message: 'Workflows must be deterministic: no Node built-ins.', allowTypeImports: true },
            { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '**/activities/**', '**/openf1/client*', '**/openf1/transport*', '**/storage/**', '**/warehouse/**'], message: 'Workflows may only import workflow-safe modules.', allowTypeImports: true },
          ],
        },
      ],
    },
  },
);
