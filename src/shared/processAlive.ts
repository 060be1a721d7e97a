import { readFileSync } from 'node:fs';

/**
 * Whether a process is alive. `kill(pid, 0)` also succeeds for a zombie (dead, not yet reaped —
 * common for a detached daemon whose parent is a container's init), so on Linux the state in
 * /proc/<pid>/stat is checked too.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc (macOS): kill(0) is the best answer there is
  }
}
