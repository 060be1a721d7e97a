import type { Readable, Writable } from 'node:stream';
import { ConnectionError } from './connectionError.js';
import { DEFAULT_MAX_LINE_BYTES, LineDecoder, type DecodedLine } from './lineDecoder.js';
import type { Message, RequestId } from './message.js';
import type { Transport, UnreadFrame } from './transport.js';

export interface StreamTransportOptions {
  maxLineBytes?: number;
  /** Name used in error messages ("codex app-server", "dispatch daemon"). */
  peerName?: string;
  /**
   * Outgoing bytes (each line's plus QUEUED_LINE_OVERHEAD_BYTES) that may wait for a peer that does
   * not read: a send while more than this waits is refused and `onOverflow` runs (which ends the
   * transport). Unbounded when absent.
   */
  maxQueuedBytes?: number;
  onOverflow?: (queuedBytes: number) => void;
  /**
   * Finds the id and method of an oversized line from its kept start and end, so the connection can
   * fail the request it answered (or answer the request it was). Without it nothing is identified.
   */
  identifyOversized?: (head: string, tail: string) => { id: RequestId | undefined; method: string | undefined };
  /**
   * Runs as each message is handed to the output stream (before its send resolves, which may wait
   * for a drain): what a peer let go by `endDroppingQueued` will still read is exactly these.
   */
  onHanded?: (message: Message) => void;
}

/**
 * What a queued line costs besides its bytes: the promises and closures of its send (measured at
 * about 1 KiB on Node 20), so `maxQueuedBytes` bounds memory, not just bytes, for small lines too.
 */
export const QUEUED_LINE_OVERHEAD_BYTES = 1024;

/** JSONL over a pair of byte streams (a child's stdio, a Unix socket). Writes wait for 'drain'. */
export class StreamTransport implements Transport {
  onmessage?: (message: unknown) => void;
  onerror?: (error: Error) => void;
  onunreadable?: (frame: UnreadFrame) => void;
  onclose?: (reason: Error | undefined) => void;
  private readonly decoder: LineDecoder;
  private readonly peerName: string;
  private closed = false;
  private writeChain: Promise<void> = Promise.resolve();
  private readonly waitingForDrain = new Set<{ resolve: () => void; reject: (error: Error) => void }>();
  /** Bytes (with their overhead) sent but not yet handed to the OS: queued behind a write waiting for 'drain', or in the stream's buffer. */
  private queued = 0;
  private readonly maxQueuedBytes: number | undefined;
  private readonly onOverflow: ((queuedBytes: number) => void) | undefined;
  private readonly identifyOversized: StreamTransportOptions['identifyOversized'];
  private readonly onHanded: StreamTransportOptions['onHanded'];

  private readonly input: Readable;
  private readonly output: Writable;

  constructor(input: Readable, output: Writable, options: StreamTransportOptions = {}) {
    this.input = input;
    this.output = output;
    this.decoder = new LineDecoder(options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES);
    this.peerName = options.peerName ?? 'peer';
    this.maxQueuedBytes = options.maxQueuedBytes;
    this.onOverflow = options.onOverflow;
    this.identifyOversized = options.identifyOversized;
    this.onHanded = options.onHanded;
  }

  /** Outgoing bytes the peer has not taken yet (see maxQueuedBytes). */
  get queuedBytes(): number {
    return this.queued;
  }

  async start(): Promise<void> {
    this.input.on('data', (chunk: Buffer) => this.receive(chunk));
    this.input.on('end', () => {
      const last = this.decoder.flush();
      if (last) this.deliver(last);
      this.finish(new ConnectionError('closed', `${this.peerName} closed its output (EOF)`));
    });
    this.input.on('error', (error) => this.finish(new ConnectionError('closed', `${this.peerName} stream failed: ${error.message}`, { cause: error })));
    this.output.on('error', (error) => this.onerror?.(new ConnectionError('closed', `writing to ${this.peerName} failed: ${error.message}`, { cause: error })));
  }

  /** The longest line accepted from here on; a longer one is reported as `oversized` and never held whole. */
  set maxLineBytes(bytes: number) {
    this.decoder.maxLineBytes = bytes;
  }

  /** Bytes of an unterminated line held in memory right now. */
  get pendingBytes(): number {
    return this.decoder.pendingBytes;
  }

  private receive(chunk: Buffer): void {
    for (const decoded of this.decoder.push(chunk)) this.deliver(decoded);
  }

  private deliver(decoded: DecodedLine): void {
    if ('oversized' in decoded) {
      const maxBytes = this.decoder.maxLineBytes;
      if (!this.onunreadable) {
        this.onerror?.(
          new ConnectionError('protocol', `${this.peerName} sent a line of ${decoded.oversized} bytes, over the limit of ${maxBytes}; it was dropped`, {
            data: { oversized: decoded.oversized, max_line_bytes: maxBytes },
          }),
        );
        return;
      }
      const { id, method } = this.identifyOversized?.(decoded.head, decoded.tail) ?? { id: undefined, method: undefined };
      this.onunreadable({ bytes: decoded.oversized, maxBytes, ...(id === undefined ? {} : { id }), ...(method === undefined ? {} : { method }) });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(decoded.line);
    } catch {
      this.onerror?.(new ConnectionError('protocol', `non-JSON line from ${this.peerName}: ${decoded.line.slice(0, 200)}`));
      return;
    }
    this.onmessage?.(value);
  }

  send(message: Message): Promise<void> {
    if (this.closed) return Promise.reject(new ConnectionError('closed', `${this.peerName} is closed`));
    // Only what waits ahead counts: one message of any size goes out to a peer that keeps up.
    if (this.maxQueuedBytes !== undefined && this.queued > this.maxQueuedBytes) {
      this.onOverflow?.(this.queued);
      return Promise.reject(new ConnectionError('closed', `${this.peerName} reads too slowly: ${this.queued} bytes wait, over the limit of ${this.maxQueuedBytes}`));
    }
    const line = `${JSON.stringify(message)}\n`;
    const bytes = Buffer.byteLength(line) + QUEUED_LINE_OVERHEAD_BYTES;
    this.queued += bytes;
    let counted = true;
    const taken = (): void => {
      if (counted) this.queued -= bytes;
      counted = false;
    };
    const write = this.writeChain.then(
      () =>
        new Promise<void>((resolve, reject) => {
          if (this.closed || this.output.destroyed || !this.output.writable) {
            taken();
            reject(new ConnectionError('closed', `${this.peerName} is closed`));
            return;
          }
          const flushed = this.output.write(line, (error) => {
            taken();
            if (error) reject(new ConnectionError('closed', `writing to ${this.peerName} failed: ${error.message}`, { cause: error }));
          });
          this.onHanded?.(message);
          if (flushed) {
            resolve();
            return;
          }
          // A reader that never drains must not leave this send (and every later one) hanging.
          const waiter = { resolve, reject };
          this.waitingForDrain.add(waiter);
          this.output.once('drain', () => {
            this.waitingForDrain.delete(waiter);
            resolve();
          });
        }),
    );
    this.writeChain = write.catch(() => undefined);
    return write;
  }

  /**
   * Lets a peer that reads too slowly go: every line not yet handed to the stream is dropped (its
   * send rejects), `final` is written after what was, and the output ends, so a peer that reads
   * again gets what it was sent, then `final`, then EOF. What is still held is bounded by the OS buffer.
   */
  endDroppingQueued(final: readonly Message[], reason: Error): void {
    if (this.closed) return;
    if (!this.output.destroyed && this.output.writable) {
      for (const message of final) this.output.write(`${JSON.stringify(message)}\n`);
      this.output.end();
    }
    this.finish(reason);
  }

  private finish(reason: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    for (const waiter of this.waitingForDrain) waiter.reject(new ConnectionError('closed', `${this.peerName} closed before the write drained`));
    this.waitingForDrain.clear();
    this.onclose?.(reason);
  }

  async close(): Promise<void> {
    if (!this.output.destroyed) this.output.end();
    this.finish(undefined);
  }
}
