import { readFileSync } from 'node:fs';
import net from 'node:net';
import { expect } from 'vitest';
import { localOpHashes } from '../../src/control/protocol.js';

export type Frame = Record<string, unknown> & { id?: unknown; error?: { code: number; message: string; data?: Record<string, unknown> }; result?: unknown };

/** A control client written by hand: raw lines on the daemon's Unix socket, frames read back as they come. */
export class RawControl {
  readonly frames: Frame[] = [];
  closed = false;
  private nextId = 1;
  private rest = '';
  private readonly waiters = new Set<() => void>();

  readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      const lines = (this.rest + chunk.toString('utf8')).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) this.frames.push(JSON.parse(line) as Frame);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => undefined); // EPIPE/ECONNRESET once the daemon closed: expected in these tests
  }

  static async open(socketPath: string): Promise<RawControl> {
    const socket = net.createConnection(socketPath);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawControl(socket);
  }

  private wake(): void {
    for (const waiter of this.waiters) waiter();
  }

  /** Resolves once `done` holds for this client, or fails after `timeoutMs`. */
  async until<T>(what: string, done: () => T | undefined, timeoutMs = 20_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = done();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what} did not happen; frames: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const waiter = (): void => {
          this.waiters.delete(waiter);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(waiter, Math.max(1, deadline - Date.now()));
        this.waiters.add(waiter);
      });
    }
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** Sends a request and waits for its answer. */
  async request(method: string, params: unknown = {}): Promise<Frame> {
    const id = this.nextId++;
    this.write(`${JSON.stringify({ id, method, params })}\n`);
    return this.until(`an answer to ${method}`, () => this.frames.find((f) => f.id === id));
  }

  async hello(): Promise<Frame> {
    const answer = await this.request('hello', { protocol: 1, version: 'test', op_hashes: await localOpHashes() });
    expect(answer.error).toBeUndefined();
    return answer;
  }

  /** The id-null error frame the daemon sends when it refuses a connection. */
  refusal(): Frame | undefined {
    return this.frames.find((f) => f.id === null && f.error !== undefined);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** The daemon's resident set (peak and now), in bytes, from /proc. */
export function memoryOf(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) * 1024;
  return { peak: kib('VmHWM'), now: kib('VmRSS') };
}

/** Writes `total` bytes of one unterminated line in 1 MiB chunks, stopping early once the daemon closed the socket. */
export async function sendUnterminated(client: RawControl, total: number): Promise<number> {
  const chunk = Buffer.alloc(1024 * 1024, 'x');
  let sent = 0;
  client.write('{"id":99,"method":"call","params":{"blob":"');
  while (sent < total && !client.closed && client.socket.writable) {
    const flushed = client.socket.write(chunk);
    sent += chunk.length;
    if (!flushed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          client.socket.off('drain', done);
          client.socket.off('close', done);
          resolve();
        };
        client.socket.once('drain', done);
        client.socket.once('close', done);
      });
    }
  }
  return sent;
}
