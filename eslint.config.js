// Correctness lint, type-aware. Formatting is Prettier's job.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const NODE_PROTOCOL = {
  regex: '^(fs|path|crypto|util|stream|readline|http|os|child_process|net|url)(/.*)?$',
  message: 'Use the node: protocol.',
};
const JWT_LIBRARIES = ['fast-jwt', 'jose'].map((name) => ({
  name,
  message: 'Only src/tokens/jwt.ts touches the JWT library.',
}));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'bench/results/**', '**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [NODE_PROTOCOL],
        },
      ],
    },
  },
  {
    // The bench and scripts are plain JavaScript for Node, outside any tsconfig: untyped rules only.
    files: ['**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'AbortController',
          'AbortSignal',
          'Request',
          'Buffer',
          'URL',
          'clearTimeout',
          'console',
          'crypto',
          'fetch',
          'performance',
          'process',
          'setImmediate',
          'setTimeout',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['packages/protocol/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^[^.]', message: '@tessera/protocol imports nothing outside itself.' }] },
      ],
    },
  },
  {
    files: ['packages/client/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.|@tessera/protocol$)',
              message: '@tessera/client has no runtime dependencies: it imports only @tessera/protocol.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/server/src/**'],
    ignores: ['packages/server/src/tokens/jwt.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: JWT_LIBRARIES, patterns: [NODE_PROTOCOL] }] },
  },
  {
    files: ['packages/server/src/auth/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: JWT_LIBRARIES,
          patterns: [
            NODE_PROTOCOL,
            {
              group: ['../http/*'],
              message: 'The domain layer (auth/) does not import from http/: pass what it needs in.',
            },
          ],
        },
      ],
    },
  },
);
