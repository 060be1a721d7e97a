import { closeSync, constants, fstatSync, ftruncateSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { pino } from 'pino';
import type { Logger } from '../core/context.js';
import { openPrivateFile } from '../shared/privateFiles.js';

const MiB = 1024 * 1024;

/** The daemon log's bounds: at most (keep + 1) × maxBytes on disk, however much is logged. */
export const LOG_LIMITS = {
  /** One file's size: days of normal use, small enough to read with a pager. */
  maxBytes: 10 * MiB,
  /** Old files kept beside dispatchd.log (dispatchd.log.1 is the newest). */
  keep: 3,
  /** Lines one message (say `control.bad_frame`) may write per window before it is counted instead. */
  perMessage: 50,
  windowMs: 60_000,
} as const;

/**
 * A pino destination that appends to `file` (0600, never through a symlink) and rotates it by size:
 * dispatchd.log → dispatchd.log.1 → … → dispatchd.log.<keep>, the oldest removed. Writes are
 * synchronous, so a line is on disk when the call returns (a crash loses nothing logged).
 *
 * The current file is rotated by copying it to dispatchd.log.1 and truncating it in place, never by
 * renaming it: it keeps its inode, so every fd opened on it earlier (the daemon's stdout and stderr,
 * which `dispatch up` points here, and Node's own fatal-error output through them) still writes into
 * the current dispatchd.log. Node has no dup2 to move those fds to a new file.
 */
export class RotatingLogFile {
  private readonly fd: number;
  private readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(file: string, options: { maxBytes?: number; keep?: number } = {}) {
    this.file = file;
    this.maxBytes = options.maxBytes ?? LOG_LIMITS.maxBytes;
    this.keep = options.keep ?? LOG_LIMITS.keep;
    this.fd = openPrivateFile(file, 'append');
  }

  write(line: string): boolean {
    const bytes = Buffer.byteLength(line);
    // The size on disk, not a count of our own lines: stderr writes into the same file.
    const size = fstatSync(this.fd).size;
    if (size > 0 && size + bytes > this.maxBytes) this.rotate();
    writeSync(this.fd, line);
    return true;
  }

  /** Lets pino's logger.flush() return: every write is already on disk. */
  flush(callback?: (error?: Error) => void): void {
    callback?.();
  }

  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    rmSync(`${this.file}.${this.keep}`, { force: true });
    // rename moves a planted symlink itself, never what it points at; the copy is created O_EXCL | O_NOFOLLOW.
    for (let n = this.keep - 1; n >= 1; n--) renameIfPresent(`${this.file}.${n}`, `${this.file}.${n + 1}`);
    if (this.keep >= 1) copyPrivateFile(this.file, `${this.file}.1`);
    ftruncateSync(this.fd, 0);
  }
}

/** Copies `from` into a new private file `to` (0600; refused if anything, a symlink included, is already there). */
function copyPrivateFile(from: string, to: string): void {
  const source = openSync(from, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const target = openSync(to, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      const buffer = Buffer.alloc(1024 * 1024);
      for (let read = readSync(source, buffer); read > 0; read = readSync(source, buffer)) writeSync(target, buffer, 0, read);
    } finally {
      closeSync(target);
    }
  } finally {
    closeSync(source);
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Wraps a log so one message writes at most `perMessage` lines per window; the rest are counted
 * and reported once as `log.suppressed` {message, suppressed} when the window ends.
 */
export function rateLimitedLog(log: Logger, options: { perMessage?: number; windowMs?: number } = {}): Logger {
  const perMessage = options.perMessage ?? LOG_LIMITS.perMessage;
  const windowMs = options.windowMs ?? LOG_LIMITS.windowMs;
  const windows = new Map<string, { written: number; suppressed: number }>();
  const admit = (message: string): boolean => {
    let window = windows.get(message);
    if (!window) {
      window = { written: 0, suppressed: 0 };
      windows.set(message, window);
      const timer = setTimeout(() => {
        windows.delete(message);
        if (window && window.suppressed > 0) log.warn('log.suppressed', { message, suppressed: window.suppressed, window_ms: windowMs });
      }, windowMs);
      timer.unref();
    }
    if (window.written < perMessage) {
      window.written++;
      return true;
    }
    window.suppressed++;
    return false;
  };
  return {
    info: (message, data) => {
      if (admit(message)) log.info(message, data);
    },
    warn: (message, data) => {
      if (admit(message)) log.warn(message, data);
    },
    error: (message, data) => {
      if (admit(message)) log.error(message, data);
    },
  };
}

/** The daemon's logger: pino JSON lines into the rotating file (and stderr for foreground runs), rate-limited per message. */
export function openDaemonLog(file: string, options: { logToStderr?: boolean } = {}): { log: Logger; flush: () => void; close: () => void } {
  const destination = new RotatingLogFile(file);
  const logger = pino({ base: { pid: process.pid } }, options.logToStderr ? pino.multistream([{ stream: destination }, { stream: process.stderr }]) : destination);
  const log = rateLimitedLog({
    info: (message, data) => logger.info(data ?? {}, message),
    warn: (message, data) => logger.warn(data ?? {}, message),
    error: (message, data) => logger.error(data ?? {}, message),
  });
  return { log, flush: () => logger.flush(), close: () => destination.close() };
}
