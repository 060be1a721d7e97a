import type { Readable } from 'node:stream';
import type { Disposable } from '../jsonrpc/connection.js';

export type ReadEdge = 'start' | 'end';

/**
 * The 'start' and 'end' of each read of codex's stdout, around the transport's own listener: every
 * line of one read is handled between them, synchronously, so listeners may treat the events in
 * between as one batch (the daemon records them in one transaction).
 */
export class ReadEdges {
  private readonly listeners = new Set<(edge: ReadEdge) => void>();
  private reading = false;
  private readonly onError: (error: Error) => void;

  constructor(onError: (error: Error) => void) {
    this.onError = onError;
  }

  /** Call after the transport listens to `stdout`: 'start' goes before its listener, 'end' after. */
  attach(stdout: Readable): void {
    stdout.prependListener('data', () => {
      this.reading = true;
      this.emit('start');
    });
    stdout.on('data', () => {
      this.reading = false;
      this.emit('end');
    });
  }

  on(listener: (edge: ReadEdge) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Runs `alone` outside the current read's batch: what came before it is handled first, then it. */
  cut(alone: () => void): void {
    if (!this.reading) return alone();
    this.emit('end');
    try {
      alone();
    } finally {
      this.emit('start');
    }
  }

  private emit(edge: ReadEdge): void {
    for (const listener of this.listeners) {
      try {
        listener(edge);
      } catch (error) {
        this.onError(error as Error);
      }
    }
  }
}
