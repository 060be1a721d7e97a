// @ts-check
/**
 * The layer rules of src/, in one place: eslint.config.js enforces them and test/layers.test.ts
 * checks that README.md's "Layers point inward" table says the same.
 */

/** Every layer (a directory of src/) and the other layers it may import. Type-only imports are listed apart. */
export const LAYERS = {
  shared: { imports: [] },
  protocol: { imports: [] },
  jsonrpc: { imports: [] },
  contracts: { imports: ['shared'] },
  core: { imports: ['contracts', 'shared'] },
  store: { imports: ['core', 'shared'] },
  codex: { imports: ['core', 'jsonrpc', 'protocol', 'shared'] },
  git: { imports: ['core', 'shared'] },
  fleet: { imports: ['core', 'shared'] },
  simulator: { imports: ['shared'] },
  control: { imports: ['contracts', 'shared'], types: ['core'] },
  client: { imports: ['control', 'contracts', 'jsonrpc', 'shared'], types: ['core'] },
  daemon: { imports: ['client', 'codex', 'contracts', 'control', 'core', 'fleet', 'git', 'jsonrpc', 'shared', 'simulator', 'store'] },
  surfaces: { imports: ['client', 'contracts', 'control', 'shared'] },
};

/** Packages only some layers (or single files, by path) may load. */
export const PACKAGES = {
  'better-sqlite3': ['src/store/'],
  pg: ['src/fleet/'],
  'node:child_process': ['src/codex/', 'src/git/', 'src/client/dispatchdProcess.ts', 'src/daemon/attentionHook.ts', 'src/client/openBrowser.ts'],
  commander: ['src/surfaces/', 'src/daemon/main.ts'],
  '@modelcontextprotocol/sdk': ['src/surfaces/'],
};
