// A small, high-signal lint set: what catches real bugs in a Temporal + Kubernetes codebase.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.lab/**', '.lab-test/**', 'lab/k8s/tools/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver': { node: { extensions: ['.ts', '.js'] } } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no I/O, no clients, activity types only.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.flatMap((m) => [
              { name: m, message: 'Workflows are deterministic: no Node built-ins (do I/O in an activity).' },
              {
                name: `node:${m}`,
                message: 'Workflows are deterministic: no Node built-ins (do I/O in an activity).',
              },
            ]),
            { name: '@kubernetes/client-node', message: 'Only src/activities talks to Kubernetes.' },
            { name: '@slack/bolt', message: 'Only src/activities and src/starter talk to Slack.' },
            { name: '@temporalio/client', message: 'Workflows cannot use a Client; call an activity.' },
          ],
          patterns: [
            {
              group: ['**/activities/*', '**/activities'],
              allowTypeImports: true,
              message: 'Workflows import activity types only (import type + proxyActivities).',
            },
          ],
        },
      ],
    },
  },
  {
    // One adapter owns the Kubernetes client; the rest of src/ uses its interfaces and re-exported types.
    files: ['src/**/*.ts'],
    ignores: ['src/activities/kubernetes/**', 'src/workflows/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: '@kubernetes/client-node',
              message:
                'Only src/activities/kubernetes talks to Kubernetes (types: re-export them from there).',
            },
          ],
        },
      ],
    },
  },
  {
    // Small functions and files: a reader holds one idea at a time.
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 300 }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }],
      complexity: ['error', 15],
    },
  },
  {
    // Arrows only downward: entrypoints → starter / worker → workflows / activities (and their
    // adapters) → config → domain. Workflows and activities share only the workflows' contracts
    // (messages, IDs, search attributes).
    files: ['src/**/*.ts'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/domain',
              from: './src',
              except: ['./domain'],
              message: 'src/domain is the bottom layer: it imports nothing else of the product.',
            },
            {
              target: './src/logging.ts',
              from: './src',
              except: ['./logging.ts'],
              message: 'src/logging.ts is a leaf: it imports nothing of the product.',
            },
            {
              target: './src/config',
              from: ['./src/activities', './src/workflows', './src/worker', './src/starter', './src/slack'],
              message: 'src/config holds schemas: it imports only src/domain and src/logging.',
            },
            {
              target: ['./src/activities', './src/workflows'],
              from: ['./src/worker', './src/starter', './src/slack'],
              message: 'Activities and workflows never depend on the processes that run or start them.',
            },
            {
              target: ['./src/worker', './src/starter'],
              from: './src/slack',
              message: 'The Slack app is a process of its own: nothing else imports it.',
            },
            {
              target: './src/slack',
              from: ['./src/worker', './src/starter'],
              message: 'The Slack app imports no other process.',
            },
            {
              target: './src/slack',
              from: './src/activities',
              except: ['./notify'],
              message: 'The Slack app uses only the notify activities (the card, its action IDs).',
            },
            {
              target: './src/slack',
              from: './src/workflows',
              except: ['./messages.ts', './ids.ts', './search-attributes.ts'],
              message: "The Slack app uses only the workflows' contracts (messages, IDs, search attributes).",
            },
            {
              target: './src/activities',
              from: './src/workflows',
              except: ['./messages.ts', './ids.ts', './search-attributes.ts'],
              message: "Activities use only the workflows' contracts (messages, IDs, search attributes).",
            },
            {
              target: './src/worker',
              from: './src/starter',
              message: 'src/worker must not depend on src/starter.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.js'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' },
    },
    // Plain CommonJS scripts (jest.config.js, scripts/lab/tcp-forward.js) load modules with require().
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
