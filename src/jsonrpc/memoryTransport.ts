import type { Message } from './message.js';
import type { Transport } from './transport.js';

/** An in-process transport; messages are cloned through JSON so shapes match the wire exactly. */
export class MemoryTransport implements Transport {
  onmessage?: (message: unknown) => void;
  onerror?: (error: Error) => void;
  onclose?: (reason: Error | undefined) => void;
  private peer: MemoryTransport | undefined;
  private closed = false;

  /** Two transports wired to each other, for tests and in-process wiring. */
  static createLinkedPair(): [MemoryTransport, MemoryTransport] {
    const a = new MemoryTransport();
    const b = new MemoryTransport();
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  async start(): Promise<void> {}

  async send(message: Message): Promise<void> {
    if (this.closed || !this.peer) throw new Error('memory transport is closed');
    const copy: unknown = JSON.parse(JSON.stringify(message));
    const peer = this.peer;
    queueMicrotask(() => peer.onmessage?.(copy));
  }

  /** Delivers raw text as if a peer had written it (for malformed-frame tests). */
  deliverRaw(line: string): void {
    try {
      this.onmessage?.(JSON.parse(line));
    } catch (error) {
      this.onerror?.(error as Error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const peer = this.peer;
    this.peer = undefined;
    this.onclose?.(undefined);
    if (peer) await peer.close();
  }
}
