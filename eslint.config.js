// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { LAYERS, PACKAGES } from './layers.js';

/**
 * One config per layer (and per file exempt from a package rule) built from layers.js, so every
 * src/ file gets exactly one set of import rules. Static imports go through
 * no-restricted-imports; dynamic import() through no-restricted-syntax, which also refuses a
 * computed import() the rules could not see, and exit codes not taken from the error table.
 */
const LAYER_NAMES = Object.keys(LAYERS);
const pathExists = (file) => existsSync(path.join(import.meta.dirname, file));
/** An exemption names a file that exists, and every directory of src/ is a layer: no rule goes stale unnoticed. */
const existing = (...files) => {
  for (const file of files) if (!pathExists(file)) throw new Error(`the lint config names ${file}, which does not exist`);
  return files;
};
existing(...Object.values(PACKAGES).flat());
const unlisted = readdirSync(path.join(import.meta.dirname, 'src')).filter((dir) => !LAYER_NAMES.includes(dir));
if (unlisted.length > 0) throw new Error(`src/${unlisted.join(', src/')} is in no layer of layers.js`);
const reSource = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replaceAll('/', '\\x2F');

/** Exit codes come from src/shared/errors.ts: a literal one (other than 0) bypasses the table. */
const EXIT_CODE_SELECTORS = [
  "AssignmentExpression[left.property.name='exitCode'][right.raw=/^[1-9][0-9]*$/]",
  "CallExpression[callee.object.name='process'][callee.property.name='exit'] > Literal[raw=/^[1-9][0-9]*$/]",
  "BinaryExpression[left.name=/^exit(Code)?$/][right.raw=/^[1-9][0-9]*$/]",
  "BinaryExpression[left.property.name=/^exit(Code)?$/][right.raw=/^[1-9][0-9]*$/]",
  "ConditionalExpression[test.left.property.name='exitCode'][alternate.raw=/^[1-9][0-9]*$/]",
].map((selector) => ({ selector, message: 'Take exit codes from ERROR_TABLE (src/shared/errors.ts).' }));

function layerRules(layer, file) {
  const { imports, types = [] } = LAYERS[layer];
  const where = file ?? `src/${layer}/`;
  const others = LAYER_NAMES.filter((other) => other !== layer && !imports.includes(other));
  const message = (other) => `${layer}/ may import ${[...imports.map((i) => `${i}/`), ...types.map((t) => `types of ${t}/`)].join(', ') || 'no other layer'}, not ${other}/ (layers.js, README "Layers point inward").`;
  const packages = Object.entries(PACKAGES).filter(([, allowed]) => !allowed.some((prefix) => where.startsWith(prefix)));
  const packageMessage = (name) => `Only ${PACKAGES[name].join(', ')} may load ${name}.`;
  return {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      {
        patterns: [
          ...others.map((other) => ({ group: [`**/${other}/**`], message: message(other), ...(types.includes(other) ? { allowTypeImports: true } : {}) })),
          ...packages.map(([name]) => ({ group: [name, `${name}/*`, ...(name.startsWith('node:') ? [name.slice(5)] : [])], message: packageMessage(name) })),
        ],
      },
    ],
    'no-restricted-syntax': [
      'error',
      { selector: "ImportExpression:not([source.type='Literal'])", message: 'import() takes a literal path, so the layer rules and the module-graph test see it.' },
      ...others.map((other) => ({ selector: `ImportExpression[source.value=/(^|\\x2F)${other}\\x2F/]`, message: message(other) })),
      ...packages.map(([name]) => ({ selector: `ImportExpression[source.value=/^${reSource(name)}($|\\x2F)/]`, message: packageMessage(name) })),
      ...EXIT_CODE_SELECTORS,
    ],
  };
}

const exemptFiles = (layer) => Object.values(PACKAGES).flat().filter((file) => file.startsWith(`src/${layer}/`) && file.endsWith('.ts'));
const layerConfigs = LAYER_NAMES.flatMap((layer) => [
  { files: [`src/${layer}/**/*.ts`], ignores: exemptFiles(layer), rules: layerRules(layer) },
  ...exemptFiles(layer).map((file) => ({ files: [file], rules: layerRules(layer, file) })),
]);

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
  { files: ['*.js', 'bin/*.js', 'test/helpers/*.mjs'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/surfaces/**', ...existing('src/daemon/main.ts')],
    rules: { 'no-console': 'error' },
  },
  ...layerConfigs,
);
