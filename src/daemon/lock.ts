import { closeSync, lstatSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { DispatchError } from '../shared/errors.js';
import { processAlive } from '../shared/processAlive.js';

/** A lock that is a symlink or another user's is planted, not left by a daemon of ours: say so rather than obey it. */
function refuseForeignLock(lockPath: string): void {
  const stats = lstatSync(lockPath, { throwIfNoEntry: false });
  if (!stats) return;
  const uid = process.getuid?.() ?? stats.uid;
  if (stats.isSymbolicLink() || stats.uid !== uid) {
    throw new DispatchError('unsafe_home', `refusing the lock ${lockPath}: it is ${stats.isSymbolicLink() ? 'a symlink' : `owned by uid ${stats.uid}`}, not a lock of yours; remove it`, { data: { path: lockPath } });
  }
}

/**
 * Takes the home's singleton lock: an O_EXCL-created file holding our pid. A lock left by a dead
 * process is taken over; one held by a live process means another daemon owns this home, and
 * this one refuses to start (it never touches that daemon's socket).
 */
export function acquireLock(lockPath: string): { release(): void; pid: number } {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return {
        pid: process.pid,
        release: () => {
          try {
            if (readFileSync(lockPath, 'utf8').trim() === String(process.pid)) unlinkSync(lockPath);
          } catch {
            // already gone
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      refuseForeignLock(lockPath);
      let holder = Number.NaN;
      try {
        holder = Number.parseInt(readFileSync(lockPath, 'utf8').trim(), 10);
      } catch {
        // unreadable: treat as stale
      }
      if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
        throw new DispatchError('already_running', `dispatchd is already running (pid ${holder})`, { data: { pid: holder } });
      }
      try {
        unlinkSync(lockPath);
      } catch {
        // someone else removed it first; retry
      }
    }
  }
  throw new DispatchError('already_running', `could not take the lock ${lockPath}`);
}
