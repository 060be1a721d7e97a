/** Default cap for one JSONL line: thread reads can be megabytes, but never this much. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

export type DecodedLine = { line: string } | { oversized: number };

/**
 * Splits a byte stream into lines (LF, tolerating CRLF). A line longer than the cap is dropped
 * and reported as `oversized` instead of growing the buffer without bound.
 */
export class LineDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private discarding = false;
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
        this.discarding = false;
        this.buffered = 0;
        yield { oversized: size };
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
        yield { oversized: bytes.length };
        continue;
      }
      const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
      if (end > 0) yield { line: bytes.toString('utf8', 0, end) };
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.buffered += rest.length;
      if (this.discarding) return;
      if (this.buffered > this.maxLineBytes) {
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
      const size = this.buffered;
      this.reset();
      return { oversized: size };
    }
    if (this.chunks.length === 0) return undefined;
    const bytes = Buffer.concat(this.chunks, this.buffered);
    this.reset();
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 13 ? bytes.length - 1 : bytes.length;
    return end > 0 ? { line: bytes.toString('utf8', 0, end) } : undefined;
  }

  private reset(): void {
    this.chunks = [];
    this.buffered = 0;
    this.discarding = false;
  }

  /** Bytes of an unterminated trailing line still held. */
  get pendingBytes(): number {
    return this.buffered;
  }
}
