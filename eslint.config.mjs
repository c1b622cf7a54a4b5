import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.data/', '.tools/', 'dist/', 'bin/'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.json' } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code is replayed inside Temporal's deterministic sandbox: no Node built-ins, no I/O.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*'], message: 'Workflows must be deterministic: no Node built-ins.' },
            { group: ['fs', 'path', 'os', 'http', 'https', 'crypto', 'child_process', 'net', 'stream', 'zlib'], message: 'Workflows must be deterministic: no Node built-ins.' },
            { group: ['@temporalio/activity', '@temporalio/client', '@temporalio/worker', '**/activities/**', '**/openf1/client*', '**/storage/**', '**/warehouse/**'], message: 'Workflows may only import workflow-safe modules.' },
          ],
        },
      ],
    },
  },
);
