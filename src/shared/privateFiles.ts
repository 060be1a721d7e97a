import { closeSync, constants, fchmodSync, fstatSync, lstatSync, openSync, writeSync, type Stats } from 'node:fs';
import { DispatchError } from './errors.js';

/** Files only their owner may read: created 0600, never written through a symlink. */

function uid(): number {
  return process.getuid?.() ?? -1;
}

function unsafe(message: string, target: string): DispatchError {
  return new DispatchError('unsafe_home', message, { data: { path: target } });
}

/**
 * Opens `file` for writing as a private file: created 0600, never through a symlink (O_NOFOLLOW),
 * and an existing file of ours narrowed to 0600. Returns the fd; the caller closes it.
 */
export function openPrivateFile(file: string, mode: 'append' | 'truncate'): number {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | (mode === 'append' ? constants.O_APPEND : constants.O_TRUNC);
  let fd: number;
  try {
    fd = openSync(file, flags, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw unsafe(`refusing to write ${file}: it is a symlink; remove it`, file);
    throw error;
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw unsafe(`refusing to write ${file}: it is not a regular file`, file);
    if (stats.uid !== uid()) throw unsafe(`refusing to write ${file}: it is owned by uid ${stats.uid}, not you (uid ${uid()}); remove it`, file);
    if ((stats.mode & 0o077) !== 0) fchmodSync(fd, 0o600);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Narrows an existing file of ours to 0600 (the registry's WAL/SHM, made by SQLite); symlinks are refused. */
export function narrowToPrivate(file: string): void {
  let stats: Stats;
  try {
    stats = lstatSync(file);
  } catch {
    return;
  }
  if (stats.isSymbolicLink()) throw unsafe(`refusing ${file}: it is a symlink; remove it`, file);
  if ((stats.mode & 0o077) !== 0) {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      fchmodSync(fd, 0o600);
    } finally {
      closeSync(fd);
    }
  }
}

/** Replaces the content of a private file (the pidfile). */
export function writePrivateFile(file: string, content: string): void {
  const fd = openPrivateFile(file, 'truncate');
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
}
