/** Build step: writes dist/contracts/manifest.json from the compiled contracts. */
import { writeFileSync } from 'node:fs';
import { buildManifest, MANIFEST_FILE } from './manifest.js';

writeFileSync(MANIFEST_FILE, `${JSON.stringify(await buildManifest())}\n`);
