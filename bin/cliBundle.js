// Loads the CLI bundle (dist/cli/main.cjs, scripts/bundleCli.ts) with the V8 code cache the build
// wrote beside it, so a command starts without parsing and compiling the bundle again. CommonJS on
// purpose (bin/package.json): node starts it faster than an ES module.
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

const BUNDLE = path.join(__dirname, '..', 'dist', 'cli', 'main.cjs');
const CACHE = `${BUNDLE}.cache`;

/** The bundle as node's CommonJS loader would compile it, with the cache when there is one. */
function compile(cachedData) {
  const source = fs.readFileSync(BUNDLE, 'utf8');
  return new vm.Script(Module.wrap(source), { filename: BUNDLE, cachedData });
}

/** Runs the bundle as the module `dist/cli/main.cjs`. A cache V8 rejects (another node) costs only the compile it would have saved. */
function runCli() {
  let cachedData;
  try {
    cachedData = fs.readFileSync(CACHE);
  } catch {
    // No cache (a build without one): compile as usual.
  }
  const bundle = new Module(BUNDLE, module);
  bundle.filename = BUNDLE;
  bundle.paths = Module._nodeModulePaths(path.dirname(BUNDLE));
  compile(cachedData).runInThisContext().call(bundle.exports, bundle.exports, (id) => bundle.require(id), bundle, BUNDLE, path.dirname(BUNDLE));
}

/** Writes the cache with every function compiled, not only those one command would reach. */
function writeCodeCache() {
  const v8 = require('node:v8');
  v8.setFlagsFromString('--no-lazy');
  const script = compile(undefined);
  // Back to the default before the cache is made: V8 accepts a cache only under the flags it was made with.
  v8.setFlagsFromString('--lazy');
  fs.writeFileSync(CACHE, script.createCachedData());
}

/** Whether this node accepts the build's cache (a test checks the build wrote one it does). */
function codeCacheAccepted() {
  return !compile(fs.readFileSync(CACHE)).cachedDataRejected;
}

module.exports = { runCli, writeCodeCache, codeCacheAccepted };
