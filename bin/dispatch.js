#!/usr/bin/env node
/* global process, URL */
// `dispatch --version` (or -V) is answered before any other module loads, as commander would answer
// it (whatever follows): start-up is most of what it costs. The version comes from package.json,
// the one place it is kept (src/shared/version.ts reads the same file). Everything else runs the
// bundled CLI (scripts/bundleCli.ts).
const first = process.argv[2];
if (first === '--version' || first === '-V') {
  const packageJson = process.getBuiltinModule('node:fs').readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  process.stdout.write(`${JSON.parse(packageJson).version}\n`);
} else {
  await import('../dist/cli/main.js');
}
