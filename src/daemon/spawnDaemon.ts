import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openPrivateFile } from '../shared/privateFiles.js';

/** bin/dispatchd.js, found from this file in dist/daemon/ or src/daemon/ alike. */
const DAEMON_ENTRY = fileURLToPath(new URL('../../bin/dispatchd.js', import.meta.url));

/**
 * Starts `dispatchd run` detached from the caller (new session, no stdin), stdout and stderr
 * appended to the daemon log. The one process dispatch spawns outside codex/: itself.
 */
export function spawnDaemonProcess(options: { logFile: string; simulate: boolean; env: NodeJS.ProcessEnv }): ChildProcess {
  mkdirSync(path.dirname(options.logFile), { recursive: true, mode: 0o700 });
  const out = openPrivateFile(options.logFile, 'append');
  try {
    const child = spawn(process.execPath, [DAEMON_ENTRY, 'run', ...(options.simulate ? ['--simulate'] : [])], {
      detached: true,
      stdio: ['ignore', out, out],
      env: options.env,
    });
    child.unref();
    return child;
  } finally {
    closeSync(out);
  }
}
