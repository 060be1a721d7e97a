// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports each layer may not make: layers point inward (surfaces → contracts → core → ports). */
const restrict = (files, paths, patterns, message) => ({
  files,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        paths: paths.map((name) => ({ name, message })),
        // An import below the importing file's own folder stays in its layer (e.g. contracts/ops/daemon/).
        patterns: patterns.map((group) => ({ group: [group, '!./**', './**/../**'], message })),
      },
    ],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/protocol/generated/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.ts', 'bin/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
    },
  },
  { files: ['*.js', 'bin/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/surfaces/**', 'src/daemon/main.ts', 'src/simulator/cli.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: 'node:child_process', message: 'Only src/codex/ spawns processes.' },
            { name: 'better-sqlite3', message: 'Only src/store/ touches SQLite.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/codex/**/*.ts', 'src/daemon/spawnDaemon.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['src/store/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [{ name: 'node:child_process', message: 'Only src/codex/ spawns processes.' }] }] },
  },
  restrict(
    ['src/core/**/*.ts'],
    ['node:child_process', 'better-sqlite3', 'commander', '@modelcontextprotocol/sdk'],
    ['**/store/**', '**/codex/**', '**/daemon/**', '**/surfaces/**', '**/protocol/**'],
    'core/ depends only on its ports and shared/.',
  ),
  restrict(
    ['src/contracts/**/*.ts'],
    ['node:child_process', 'better-sqlite3', 'commander'],
    ['**/store/**', '**/codex/**', '**/daemon/**', '**/surfaces/**', '**/core/**'],
    'contracts/ are pure data: zod and shared/ only.',
  ),
  restrict(
    ['src/jsonrpc/**/*.ts'],
    ['node:child_process', 'better-sqlite3'],
    ['**/codex/**', '**/protocol/**', '**/core/**', '**/store/**'],
    'jsonrpc/ is codex-agnostic.',
  ),
  restrict(
    ['src/surfaces/**/*.ts'],
    ['node:child_process', 'better-sqlite3'],
    ['**/store/**', '**/codex/**', '**/core/**'],
    'surfaces/ reach the daemon through contracts/ and the daemon client only.',
  ),
);
