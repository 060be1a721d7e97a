/**
 * Bundles the built CLI (dist/surfaces/cli/main.js) into dist/cli/: `main.js`, plus one chunk per
 * dynamic import (the MCP server, the zod contracts, the demo…) and the chunks they share, so a
 * command loads a handful of files instead of ~50 modules. Run by `npm run build` after tsc; the
 * daemon is not bundled. dist/cli/ sits two levels down like every dist/<layer>/, so the paths the
 * code resolves from import.meta.url (package.json, bin/dispatchd.js, the op manifest) still hold.
 * The metafile (dist/cli/meta.json) names every input, so a test can check none is forbidden.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build, type Plugin } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'cli');

/**
 * Builtins outside node's start-up snapshot that the CLI rarely needs (commander requires
 * child_process for executable subcommands dispatch has none of; the client needs crypto only to
 * subscribe): each costs milliseconds to compile, so in the bundle they load on first call.
 */
const LOADED_ON_FIRST_USE = new Set(['child_process', 'crypto']);

const builtinName = (specifier: string): string | undefined => {
  const name = specifier.replace(/^node:/, '');
  return builtinModules.includes(name) ? name : undefined;
};

/** A module standing in for builtin `name`: every function export calls through to it, loaded on first call. */
function onFirstUse(name: string): string {
  const real = process.getBuiltinModule(`node:${name}`) as Record<string, unknown>;
  const functions = Object.keys(real).filter((key) => /^[A-Za-z_$][\w$]*$/.test(key) && typeof real[key] === 'function');
  return [
    'let loaded;',
    `const load = () => (loaded ??= process.getBuiltinModule(${JSON.stringify(`node:${name}`)}));`,
    ...functions.map((key) => `export function ${key}(...args) { return load().${key}(...args); }`),
    'export default new Proxy({}, { get: (_target, key) => load()[key] });',
    '',
  ].join('\n');
}

/**
 * Builtins: imported as they are, except `require()` calls of bundled CommonJS (commander), which
 * an ES module cannot make, answered by process.getBuiltinModule; and the ones loaded on first use.
 */
const builtins: Plugin = {
  name: 'builtins',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = builtinName(args.path);
      if (!name) return undefined;
      if (LOADED_ON_FIRST_USE.has(name)) return { path: name, namespace: 'builtin-on-first-use' };
      if (args.kind === 'require-call') return { path: name, namespace: 'builtin-require' };
      return { path: `node:${name}`, external: true };
    });
    esbuild.onLoad({ filter: /.*/, namespace: 'builtin-on-first-use' }, (args) => ({ contents: onFirstUse(args.path), loader: 'js' }));
    esbuild.onLoad({ filter: /.*/, namespace: 'builtin-require' }, (args) => ({ contents: `module.exports = process.getBuiltinModule(${JSON.stringify(`node:${args.path}`)});`, loader: 'js' }));
  },
};

rmSync(OUT, { recursive: true, force: true });
const result = await build({
  absWorkingDir: ROOT,
  entryPoints: ['dist/surfaces/cli/main.js'],
  outdir: OUT,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  metafile: true,
  plugins: [builtins],
  logLevel: 'warning',
});
writeFileSync(path.join(OUT, 'meta.json'), `${JSON.stringify(result.metafile, null, 1)}\n`);
