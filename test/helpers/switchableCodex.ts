import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { resolveCodexBinary } from '../../src/codex/binary.js';

/**
 * A codex binary that is the pinned one until `breakIt()`: from then on every app-server it is
 * asked to start exits at once (`--version` keeps answering), until `fixIt()`. It makes an
 * app-server that cannot restart, deterministically.
 */
export interface SwitchableCodex {
  /** The script's path: DISPATCH_CODEX_BIN, or a supervisor's `binary`. */
  path: string;
  breakIt(): void;
  fixIt(): void;
}

export function writeSwitchableCodex(dir: string): SwitchableCodex {
  const script = path.join(dir, 'switchable-codex');
  const broken = path.join(dir, 'codex-is-broken');
  writeFileSync(
    script,
    ['#!/bin/sh', `if [ "$1" != "--version" ] && [ -e '${broken}' ]; then echo 'codex: broken on purpose' >&2; exit 3; fi`, `exec '${resolveCodexBinary({}).path}' "$@"`, ''].join('\n'),
  );
  chmodSync(script, 0o700);
  return {
    path: script,
    breakIt: () => writeFileSync(broken, ''),
    fixIt: () => rmSync(broken, { force: true }),
  };
}
