/**
 * Bundles the built CLI into dist/cli/, in two parts:
 * - `main.cjs`, every command's hot path, as one CommonJS file: node loads CommonJS faster than
 *   ES modules, and bin/dispatch.js compiles it with the V8 code cache written here
 *   (`main.cjs.cache`), so a command starts without parsing or compiling the bundle again;
 * - `lazy/`, what few commands need (the MCP server, the zod contracts for `schema`, the demo), as
 *   ES module chunks that `main.cjs` imports when a command asks for them (and the manifest's
 *   fallback, which builds it from the contracts when the built one is missing).
 * Both parts hold their own copy of shared modules (errors.ts marks its errors for that reason).
 * Run by `npm run build` after tsc; the daemon is not bundled. dist/cli/ sits two levels down like
 * every dist/<layer>/, so the paths the code resolves from import.meta.url (package.json,
 * bin/dispatchd.js, the op manifest) still hold. The metafile (dist/cli/meta.json) names every
 * input of both parts, so a test can check none is forbidden.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { build, type Metafile, type Plugin } from 'esbuild';

const ROOT = path.resolve(import.meta.dirname, '..');
const OUT = path.join(ROOT, 'dist', 'cli');

/**
 * Builtins outside node's start-up snapshot that the CLI rarely needs (commander requires
 * child_process for executable subcommands dispatch has none of; the client needs crypto only to
 * subscribe; paths need os only where $HOME is unset): each costs milliseconds to compile, so in
 * the bundle they load on first call.
 */
const LOADED_ON_FIRST_USE = new Set(['child_process', 'crypto', 'os']);

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

/** The modules main.cjs imports lazily, each the entry of a chunk in lazy/, by their dist path. */
const LAZY_ENTRIES = ['dist/surfaces/mcp/server.js', 'dist/contracts/index.js', 'dist/contracts/fields.js', 'dist/surfaces/cli/demo.js'];

/** Builtins load as they are, except the ones loaded on first use. */
const builtins: Plugin = {
  name: 'builtins',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
      const name = builtinName(args.path);
      if (!name) return undefined;
      if (LOADED_ON_FIRST_USE.has(name)) return { path: name, namespace: 'builtin-on-first-use' };
      return { path: `node:${name}`, external: true };
    });
    esbuild.onLoad({ filter: /.*/, namespace: 'builtin-on-first-use' }, (args) => ({ contents: onFirstUse(args.path), loader: 'js' }));
  },
};

/** In main.cjs, a dynamic import() of a lazy entry becomes an import of its chunk in lazy/. */
const lazyChunks: Plugin = {
  name: 'lazy-chunks',
  setup(esbuild) {
    esbuild.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const entry = path.relative(ROOT, path.resolve(args.resolveDir, args.path));
      if (!LAZY_ENTRIES.includes(entry)) throw new Error(`${entry} is imported lazily but is not in LAZY_ENTRIES`);
      return { path: `./lazy-${path.basename(entry, '.js')}.cjs`, external: true };
    });
  },
};

const common = { absWorkingDir: ROOT, bundle: true, platform: 'node', target: 'node20', metafile: true, logLevel: 'warning' } as const;

rmSync(OUT, { recursive: true, force: true });
const commonJs = {
  ...common,
  format: 'cjs',
  outExtension: { '.js': '.cjs' },
  // import() becomes require(): the bundle runs as a compiled script, which has no module loader for import().
  supported: { 'dynamic-import': false },
  // CommonJS has no import.meta: each file's own URL stands in for it.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
} as const;
// One self-contained file per lazy entry (CommonJS cannot share chunks): the zod contracts are in two.
const lazy = await build({ ...commonJs, entryPoints: LAZY_ENTRIES, outdir: OUT, entryNames: 'lazy-[name]', plugins: [builtins, lazyChunks] });
const main = await build({ ...commonJs, entryPoints: ['dist/surfaces/cli/main.js'], outdir: OUT, entryNames: '[name]', plugins: [builtins, lazyChunks] });
const metafile: Metafile = { inputs: { ...lazy.metafile.inputs, ...main.metafile.inputs }, outputs: { ...lazy.metafile.outputs, ...main.metafile.outputs } };
writeFileSync(path.join(OUT, 'meta.json'), `${JSON.stringify(metafile, null, 1)}\n`);

// The code cache is made by this node, compiling every function of the bundle (not only the ones
// a first run would reach), so every command finds its code compiled. A node whose V8 differs
// rejects the cache and compiles as usual (bin/cliBundle.js).
execFileSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(ROOT, 'bin', 'cliBundle.js'))}).writeCodeCache()`], { stdio: 'inherit' });
