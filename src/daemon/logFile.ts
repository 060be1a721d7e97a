import { closeSync, fstatSync, renameSync, rmSync, writeSync } from 'node:fs';
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
 */
export class RotatingLogFile {
  private fd: number;
  private size: number;
  private readonly file: string;
  private readonly maxBytes: number;
  private readonly keep: number;

  constructor(file: string, options: { maxBytes?: number; keep?: number } = {}) {
    this.file = file;
    this.maxBytes = options.maxBytes ?? LOG_LIMITS.maxBytes;
    this.keep = options.keep ?? LOG_LIMITS.keep;
    this.fd = openPrivateFile(file, 'append');
    this.size = fstatSync(this.fd).size;
  }

  write(line: string): boolean {
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate();
    writeSync(this.fd, line);
    this.size += bytes;
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
    closeSync(this.fd);
    rmSync(`${this.file}.${this.keep}`, { force: true });
    // rename moves a planted symlink itself, never what it points at; the new file is opened O_NOFOLLOW.
    for (let n = this.keep - 1; n >= 1; n--) renameIfPresent(`${this.file}.${n}`, `${this.file}.${n + 1}`);
    renameIfPresent(this.file, `${this.file}.1`);
    this.fd = openPrivateFile(this.file, 'append');
    this.size = fstatSync(this.fd).size;
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
