import { lstatSync, mkdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { DispatchError } from '../shared/errors.js';
import type { DispatchPaths } from './paths.js';

/**
 * A dispatch home holds the registry (every message), the control socket (whoever answers on it
 * gets the text sent and forges receipts), the lock and the log. Another local user who owns, or
 * can write into, a directory dispatch writes into can swap any of them, so such a home is refused.
 */

const WRITABLE_BY_OTHERS = 0o022;
const STICKY = 0o1000;

function uid(): number {
  return process.getuid?.() ?? -1;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

function unsafe(message: string, target: string): DispatchError {
  return new DispatchError('unsafe_home', message, { data: { path: target } });
}

/** Why `dir` is unsafe for dispatch to write into, or undefined when it is safe. `shared` allows a root-owned sticky dir (/tmp). */
function directoryProblem(dir: string, options: { shared: boolean }): string | undefined {
  let link: Stats;
  try {
    link = lstatSync(dir);
  } catch {
    return undefined; // not there yet: dispatch creates it 0700
  }
  if (link.isSymbolicLink() && link.uid !== uid()) return `${dir} is a symlink owned by uid ${link.uid}, not you (uid ${uid()}); remove it`;
  const stats = link.isSymbolicLink() ? statSync(dir) : link;
  if (!stats.isDirectory()) return `${dir} is not a directory`;
  if (options.shared && stats.uid === 0 && (stats.mode & STICKY) !== 0) return undefined;
  if (stats.uid !== uid()) return `${dir} is owned by uid ${stats.uid}, not you (uid ${uid()}); use a home of your own (e.g. unset DISPATCH_HOME for ~/.dispatch) or \`chown ${uid()} ${dir}\``;
  if ((stats.mode & WRITABLE_BY_OTHERS) !== 0) return `${dir} is writable by others (mode ${octal(stats.mode)}); run \`chmod go-w ${dir}\` (dispatch creates it 0700)`;
  return undefined;
}

/** The directories dispatch writes into for these paths: the home, its subdirectories, and the dirs of overridden files. */
function writtenDirectories(paths: DispatchPaths): Array<{ dir: string; shared: boolean }> {
  const home = [paths.home, path.join(paths.home, 'sim'), path.join(paths.home, 'sim', 'codex-home')].map((dir) => ({ dir, shared: false }));
  // DISPATCH_SOCKET / DISPATCH_DB / DISPATCH_PIDFILE may point elsewhere, /tmp included (root's and sticky).
  const elsewhere = [paths.socket, paths.db, paths.pidfile].map((file) => path.dirname(file)).filter((dir) => !home.some((h) => h.dir === dir));
  return [...home, ...[...new Set(elsewhere)].map((dir) => ({ dir, shared: true }))];
}

/** Every reason these paths are unsafe (directories, then the files dispatch keeps there); empty when safe. */
export function homeProblems(paths: DispatchPaths): string[] {
  const problems: string[] = [];
  for (const { dir, shared } of writtenDirectories(paths)) {
    const problem = directoryProblem(dir, { shared });
    if (problem) problems.push(problem);
  }
  for (const file of privateFiles(paths)) {
    const problem = fileProblem(file);
    if (problem) problems.push(problem);
  }
  return problems;
}

/** The files dispatch keeps private: registry (and its WAL/SHM), socket, lock, pidfile, log. */
export function privateFiles(paths: DispatchPaths): string[] {
  return [paths.db, `${paths.db}-wal`, `${paths.db}-shm`, paths.socket, paths.lock, paths.pidfile, paths.log, path.join(paths.home, 'sim', 'requests.jsonl')];
}

/** A symlink or someone else's file where dispatch keeps a private one; `modes` also flags group/other bits (doctor). */
function fileProblem(file: string, options: { modes: boolean } = { modes: true }): string | undefined {
  let stats: Stats;
  try {
    stats = lstatSync(file);
  } catch {
    return undefined;
  }
  if (stats.isSymbolicLink()) return `${file} is a symlink; dispatch never follows one there: remove it`;
  if (stats.uid !== uid()) return `${file} is owned by uid ${stats.uid}, not you (uid ${uid()}); remove it`;
  if (options.modes && (stats.mode & 0o077) !== 0) return `${file} is readable or writable by others (mode ${octal(stats.mode)}); run \`chmod 600 ${file}\``;
  return undefined;
}

/**
 * Refuses (unsafe_home) a home another user owns or can write into, or one with a planted symlink
 * or foreign file in a private file's place; checks only, creates nothing. Loose modes are not
 * refused: dispatch narrows its own files to 0600 when it opens them.
 */
export function assertSafeHome(paths: DispatchPaths): void {
  for (const { dir, shared } of writtenDirectories(paths)) {
    const problem = directoryProblem(dir, { shared });
    if (problem) throw unsafe(`refusing the dispatch home: ${problem}`, dir);
  }
  for (const file of privateFiles(paths)) {
    const problem = fileProblem(file, { modes: false });
    if (problem) throw unsafe(`refusing the dispatch home: ${problem}`, file);
  }
}

/**
 * Creates the home 0700 when missing, then refuses it when unsafe. Directories mkdir creates
 * are ours and 0700; pre-existing ones are checked, never chmod-ed behind the user's back.
 */
export function preparePrivateHome(paths: DispatchPaths): void {
  assertSafeHome(paths);
  mkdirSync(paths.home, { recursive: true, mode: 0o700 });
  assertSafeHome(paths);
}
