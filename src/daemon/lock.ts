import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { DispatchError } from '../shared/errors.js';
import { processAlive } from '../shared/processAlive.js';


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
