/**
 * Copies the web dashboard's page (plain HTML, JS and CSS: nothing to compile) from
 * src/daemon/dashboard/page/ to dist/daemon/dashboard/page/, beside the server that serves it.
 * Run by `npm run build` after tsc.
 */
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const FROM = path.join(ROOT, 'src', 'daemon', 'dashboard', 'page');
const TO = path.join(ROOT, 'dist', 'daemon', 'dashboard', 'page');
rmSync(TO, { recursive: true, force: true });
cpSync(FROM, TO, { recursive: true });
