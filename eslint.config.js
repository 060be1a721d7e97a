// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { LAYERS, PACKAGES } from './layers.js';

const ROOT = import.meta.dirname;
const LAYER_NAMES = Object.keys(LAYERS);

/** An exemption names a file that exists, and every directory of src/ is a layer: no rule goes stale unnoticed. */
const existing = (...files) => {
  for (const file of files) if (!existsSync(path.join(ROOT, file))) throw new Error(`the lint config names ${file}, which does not exist`);
  return files;
};
existing(...Object.values(PACKAGES).flat());
const unlisted = readdirSync(path.join(ROOT, 'src')).filter((dir) => !LAYER_NAMES.includes(dir));
if (unlisted.length > 0) throw new Error(`src/${unlisted.join(', src/')} is in no layer of layers.js`);

const allowedList = (layer) => {
  const { imports, types = [] } = LAYERS[layer];
  return [...imports.map((i) => `${i}/`), ...types.map((t) => `types of ${t}/`)].join(', ') || 'no other layer';
};

/** The package a bare specifier names (`@scope/name/sub` → `@scope/name`; `child_process` → `node:child_process`). */
function packageOf(specifier) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  return name && PACKAGES[`node:${name}`] ? `node:${name}` : name;
}

/**
 * layers/imports: resolves every import, re-export and dynamic import() of a src/ file to the
 * layer it lands in and refuses what layers.js does not allow (README "Layers point inward").
 * A computed import() is refused too: neither this rule nor the module-graph test could see it.
 */
const layerImports = {
  meta: { type: 'problem', schema: [] },
  create(context) {
    const file = path.relative(ROOT, context.filename);
    const [top, layer] = file.split(path.sep);
    if (top !== 'src' || !(layer in LAYERS)) return {};
    const { imports, types = [] } = LAYERS[layer];
    const check = (node, source, typeOnly) => {
      if (source?.type !== 'Literal' || typeof source.value !== 'string') {
        context.report({ node, message: 'import() takes a literal path, so the layer rules and the module-graph test see it.' });
        return;
      }
      const specifier = source.value;
      if (!specifier.startsWith('.')) {
        const allowed = PACKAGES[packageOf(specifier)];
        if (allowed && !allowed.some((prefix) => file.startsWith(prefix))) context.report({ node, message: `Only ${allowed.join(', ')} may load ${packageOf(specifier)}.` });
        return;
      }
      const [targetTop, target] = path.relative(ROOT, path.resolve(path.dirname(context.filename), specifier)).split(path.sep);
      if (targetTop !== 'src') return context.report({ node, message: `src/ imports only src/ and packages, not ${specifier}.` });
      if (target === layer || imports.includes(target) || (typeOnly && types.includes(target))) return;
      context.report({ node, message: `${layer}/ may import ${allowedList(layer)}, not ${target}/ (layers.js, README "Layers point inward").` });
    };
    return {
      // `import { type X }` still loads the module (verbatimModuleSyntax); only `import type` does not.
      ImportDeclaration: (node) => check(node, node.source, node.importKind === 'type'),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source, node.exportKind === 'type'),
      ExportAllDeclaration: (node) => check(node, node.source, node.exportKind === 'type'),
      ImportExpression: (node) => check(node, node.source, false),
    };
  },
};

/** Exit codes come from src/shared/errors.ts: a literal one (other than 0) bypasses the table. */
const EXIT_CODE_SELECTORS = [
  "AssignmentExpression[left.property.name='exitCode'][right.raw=/^[1-9][0-9]*$/]",
  "CallExpression[callee.object.name='process'][callee.property.name='exit'] > Literal[raw=/^[1-9][0-9]*$/]",
  "BinaryExpression[left.name=/^exit(Code)?$/][right.raw=/^[1-9][0-9]*$/]",
  "BinaryExpression[left.property.name=/^exit(Code)?$/][right.raw=/^[1-9][0-9]*$/]",
  "ConditionalExpression[test.left.property.name='exitCode'][alternate.raw=/^[1-9][0-9]*$/]",
].map((selector) => ({ selector, message: 'Take exit codes from ERROR_TABLE (src/shared/errors.ts).' }));

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'src/protocol/generated/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'vitest.config.ts', 'bin/*.js', 'test/helpers/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
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
  { files: ['*.js', 'bin/*.js', 'test/helpers/*.mjs', 'src/daemon/dashboard/page/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // The dashboard's page: a plain browser script, served as it is (no build step).
    files: ['src/daemon/dashboard/page/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: Object.fromEntries(['document', 'fetch', 'EventSource', 'FormData', 'CSS', 'setTimeout', 'console'].map((name) => [name, 'readonly'])),
    },
  },
  {
    // bin/ is CommonJS (bin/package.json): node starts it faster than an ES module.
    files: ['bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { process: 'readonly', require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/surfaces/**', ...existing('src/daemon/main.ts')],
    rules: { 'no-console': 'error' },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { layers: { rules: { imports: layerImports } } },
    rules: { 'layers/imports': 'error', 'no-restricted-syntax': ['error', ...EXIT_CODE_SELECTORS] },
  },
);
