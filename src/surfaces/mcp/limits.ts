import { Transform, type TransformCallback } from 'node:stream';
import { identifyOversizedLine } from '../../shared/oversizedLine.js';

const MiB = 1024 * 1024;

/** The MCP server's size limits, in one place. */
export const MCP_LIMITS = {
  /**
   * Longest request line read from the client. A `send` text is at most 1 MiB of characters
   * (MAX_TEXT_CHARS), a few bytes each; the call is forwarded on the control socket, whose cap is higher.
   */
  maxRequestBytes: 8 * MiB,
  /**
   * Largest answer frame written: the SDK's stdio client drops the whole connection when its read
   * buffer passes 10 MiB (STDIO_DEFAULT_MAX_BUFFER_SIZE), so an answer stays well under it.
   */
  maxResultBytes: 8 * MiB,
  /** How much of an oversized line's start and end is kept to find its method and id. */
  keptEdgeBytes: 4096,
} as const;

/** What is known of a request line that was too long to read: its size and, when they could be found, its id and method. */
export interface OversizedRequest {
  bytes: number;
  id: string | number | undefined;
  method: string | undefined;
}

/** The size, id and method of an oversized request line (see identifyOversizedLine). */
export function identifyOversized(head: string, tail: string, bytes: number): OversizedRequest {
  return { bytes, ...identifyOversizedLine(head, tail) };
}

/**
 * Passes complete lines of at most `maxLineBytes` through; a longer line is never held whole: its
 * bytes are dropped as they come and `onOversized` gets its size, start and end when it ends. The SDK's
 * stdio transport reads the output, so it only ever sees lines that fit.
 */
export class BoundedLines extends Transform {
  private chunks: Buffer[] = [];
  private held = 0;
  private oversized = false;
  private head = Buffer.alloc(0);
  private tail = Buffer.alloc(0);
  private readonly maxLineBytes: number;
  private readonly onOversized: (request: OversizedRequest) => void;

  constructor(options: { maxLineBytes?: number; onOversized: (request: OversizedRequest) => void }) {
    super();
    this.maxLineBytes = options.maxLineBytes ?? MCP_LIMITS.maxRequestBytes;
    this.onOversized = options.onOversized;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      this.keep(piece);
      if (nl === -1) break;
      this.endLine();
      start = nl + 1;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.held > 0 || this.oversized) this.endLine();
    callback();
  }

  private keep(piece: Buffer): void {
    if (piece.length === 0) return;
    if (!this.oversized && this.held + piece.length > this.maxLineBytes) {
      this.oversized = true;
      this.head = Buffer.concat([...this.chunks, piece.subarray(0, MCP_LIMITS.keptEdgeBytes)]).subarray(0, MCP_LIMITS.keptEdgeBytes);
      this.chunks = [];
    }
    this.held += piece.length;
    if (this.oversized) {
      const edge = MCP_LIMITS.keptEdgeBytes;
      this.tail = piece.length >= edge ? Buffer.from(piece.subarray(piece.length - edge)) : Buffer.concat([this.tail, piece]).subarray(-edge);
    } else {
      this.chunks.push(piece);
    }
  }

  private endLine(): void {
    if (this.oversized) {
      this.onOversized(identifyOversized(this.head.toString('utf8'), this.tail.toString('utf8'), this.held));
    } else if (this.held > 0) {
      this.chunks.push(Buffer.from('\n'));
      this.push(Buffer.concat(this.chunks));
    }
    this.chunks = [];
    this.held = 0;
    this.oversized = false;
    this.head = Buffer.alloc(0);
    this.tail = Buffer.alloc(0);
  }
}
