import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DispatchError, isErrorCode } from '../shared/errors.js';
import { openPrivateFile } from '../shared/privateFiles.js';
import type { DoctorReport } from '../control/doctorReport.js';
import type { DaemonMode } from '../control/homeMode.js';
import { START_FAILURE_PREFIX } from '../control/protocol.js';

/** bin/dispatchd.js, found from this file in dist/client/ or src/client/ alike. */
const DAEMON_ENTRY = fileURLToPath(new URL('../../bin/dispatchd.js', import.meta.url));

export interface SpawnedDaemon {
  child: ChildProcess;
  /** The typed error the daemon reported before exiting, if it wrote one to the log. */
  startFailure(): DispatchError | undefined;
  /** The last lines the daemon wrote to the log since it was spawned. */
  logTail(lines: number): string;
}

/**
 * Starts `dispatchd run` detached from the caller (new session, no stdin), stdout and stderr
 * appended to the daemon log. dispatch spawns no process outside codex/ but dispatchd itself.
 */
export function spawnDaemonProcess(options: { logFile: string; mode?: DaemonMode; env: NodeJS.ProcessEnv }): SpawnedDaemon {
  mkdirSync(path.dirname(options.logFile), { recursive: true, mode: 0o700 });
  const out = openPrivateFile(options.logFile, 'append');
  const offset = fstatSync(out).size;
  const modeFlag = options.mode === 'simulated' ? ['--simulate'] : options.mode === 'real' ? ['--real'] : [];
  try {
    const child = spawn(process.execPath, [DAEMON_ENTRY, 'run', ...modeFlag], { detached: true, stdio: ['ignore', out, out], env: options.env });
    child.unref();
    const written = (): string[] => readSince(options.logFile, offset).trim().split('\n');
    return {
      child,
      startFailure: () => {
        const line = written().findLast((l) => l.startsWith(START_FAILURE_PREFIX));
        if (!line) return undefined;
        try {
          const { code, message, data } = JSON.parse(line.slice(START_FAILURE_PREFIX.length)) as { code?: unknown; message?: unknown; data?: Record<string, unknown> };
          return new DispatchError(isErrorCode(code) ? code : 'internal', String(message), data ? { data } : undefined);
        } catch {
          return undefined;
        }
      },
      logTail: (lines) => written().filter((l) => !l.startsWith(START_FAILURE_PREFIX)).slice(-lines).join('\n'),
    };
  } finally {
    closeSync(out);
  }
}

/**
 * Runs `dispatchd doctor` with the caller's environment and returns its report: the checks open
 * the registry and ask codex, which the CLI process never loads.
 */
export function runDoctorProcess(env: NodeJS.ProcessEnv): Promise<DoctorReport> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [DAEMON_ENTRY, 'doctor'], { env, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      const failed = (cause: unknown): void => reject(new DispatchError('internal', `dispatchd doctor failed: ${stderr.trim() || (cause as Error).message}`, { cause }));
      if (error) return failed(error);
      try {
        resolve(JSON.parse(stdout) as DoctorReport);
      } catch (cause) {
        failed(cause);
      }
    });
  });
}

function readSince(file: string, offset: number): string {
  const fd = openSync(file, 'r');
  try {
    const size = statSync(file).size;
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
