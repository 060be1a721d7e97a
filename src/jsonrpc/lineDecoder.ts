/** Default cap for one JSONL line: thread reads can be megabytes, but never this much. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/** How much of an oversized line's start and end is kept, so its id and method can still be found. */
export const OVERSIZED_EDGE_BYTES = 4096;

/** An oversized line: its size and the bytes kept of its start and end (at most OVERSIZED_EDGE_BYTES each). */
export interface OversizedLine {
  oversized: number;
  head: string;
  tail: string;
}

export type DecodedLine = { line: string } | OversizedLine;

/** The first `n` bytes of some buffers, in order. */
function firstBytes(buffers: readonly Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let taken = 0;
  for (const buffer of buffers) {
    if (taken >= n) break;
    const piece = buffer.subarray(0, n - taken);
    out.push(piece);
    taken += piece.length;
  }
  return Buffer.concat(out, taken);
}

/** The last `n` bytes of some buffers, in order. */
function lastBytes(buffers: readonly Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let taken = 0;
  for (let i = buffers.length - 1; i >= 0 && taken < n; i--) {
    const buffer = buffers[i] as Buffer;
    const piece = buffer.subarray(Math.max(0, buffer.length - (n - taken)));
    out.unshift(piece);
    taken += piece.length;
  }
  return Buffer.concat(out, taken);
}

/**
 * Splits a byte stream into lines (LF, tolerating CRLF). A line longer than the cap is dropped
 * and reported as `oversized` (with its edges) instead of growing the buffer without bound.
 */
export class LineDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private discarding = false;
  /** While discarding: the kept start and end of the line being dropped. */
  private head: Buffer = Buffer.alloc(0);
  private tail: Buffer = Buffer.alloc(0);
  /** Can change between chunks (a server allows longer lines once a peer has identified itself). */
  maxLineBytes: number;

  constructor(maxLineBytes = DEFAULT_MAX_LINE_BYTES) {
    this.maxLineBytes = maxLineBytes;
  }

  *push(chunk: Buffer): Generator<DecodedLine> {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.discarding) {
        const size = this.buffered + piece.length;
        const dropped = this.dropped(size, firstBytes([this.head, piece], OVERSIZED_EDGE_BYTES), lastBytes([this.tail, piece], OVERSIZED_EDGE_BYTES));
        this.reset();
        yield dropped;
        continue;
      }
      let bytes: Buffer = piece;
      if (this.chunks.length > 0) {
        this.chunks.push(piece);
        bytes = Buffer.concat(this.chunks, this.buffered + piece.length);
        this.chunks = [];
        this.buffered = 0;
      }
      if (bytes.length > this.maxLineBytes) {
        yield this.dropped(bytes.length, bytes.subarray(0, OVERSIZED_EDGE_BYTES), bytes.subarray(Math.max(0, bytes.length - OVERSIZED_EDGE_BYTES)));
        continue;
      }
      const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
      if (end > 0) yield { line: bytes.toString('utf8', 0, end) };
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.buffered += rest.length;
      if (this.discarding) {
        if (this.head.length < OVERSIZED_EDGE_BYTES) this.head = firstBytes([this.head, rest], OVERSIZED_EDGE_BYTES);
        this.tail = lastBytes([this.tail, rest], OVERSIZED_EDGE_BYTES);
        return;
      }
      if (this.buffered > this.maxLineBytes) {
        this.chunks.push(rest);
        this.head = firstBytes(this.chunks, OVERSIZED_EDGE_BYTES);
        this.tail = lastBytes(this.chunks, OVERSIZED_EDGE_BYTES);
        this.chunks = [];
        this.discarding = true;
        return;
      }
      this.chunks.push(rest);
    }
  }

  /** At end of input: the unterminated last line, if any (a peer may omit the final newline). */
  flush(): DecodedLine | undefined {
    if (this.discarding) {
      const dropped = this.dropped(this.buffered, this.head, this.tail);
      this.reset();
      return dropped;
    }
    if (this.chunks.length === 0) return undefined;
    const bytes = Buffer.concat(this.chunks, this.buffered);
    this.reset();
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
    return end > 0 ? { line: bytes.toString('utf8', 0, end) } : undefined;
  }

  private dropped(size: number, head: Buffer, tail: Buffer): OversizedLine {
    return { oversized: size, head: head.toString('utf8'), tail: tail.toString('utf8') };
  }

  private reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.discarding = false;
    this.head = Buffer.alloc(0);
    this.tail = Buffer.alloc(0);
  }

  /** Bytes of an unterminated trailing line still held. */
  get pendingBytes(): number {
    return this.buffered;
  }
}
