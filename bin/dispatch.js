#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): node starts a CommonJS entry faster than an ES module,
// and `dispatch --version` (or -V) is answered here before any other module loads, as commander
// would answer it (whatever follows): start-up is most of what it costs. The version comes from
// package.json, the one place it is kept (src/shared/version.ts reads the same file). Everything
// else runs the bundled CLI (scripts/bundleCli.ts) through bin/cliBundle.js.
const first = process.argv[2];
if (first === '--version' || first === '-V') {
  const packageJson = require('node:fs').readFileSync(require('node:path').join(__dirname, '..', 'package.json'), 'utf8');
  process.stdout.write(`${JSON.parse(packageJson).version}\n`);
} else {
  require('./cliBundle.js').runCli();
}
