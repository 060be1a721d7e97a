import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_LINE_BYTES, LineDecoder, OVERSIZED_EDGE_BYTES } from '../../src/jsonrpc/lineDecoder.js';
import type { DecodedLine } from '../../src/jsonrpc/lineDecoder.js';

/** Feeds every chunk through one decoder and collects everything it yields. */
function decodeAll(decoder: LineDecoder, chunks: readonly (Buffer | string)[]): DecodedLine[] {
  const out: DecodedLine[] = [];
  for (const chunk of chunks) {
    for (const decoded of decoder.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk)) out.push(decoded);
  }
  return out;
}

/** Splits a buffer into pieces of `size` bytes (the last may be shorter). */
function slices(bytes: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

describe('LineDecoder', () => {
  it('decodes several lines from one chunk and holds an unterminated tail', () => {
    const decoder = new LineDecoder();
    expect(decodeAll(decoder, ['{"a":1}\n{"b":2}\n{"c"'])).toEqual([{ line: '{"a":1}' }, { line: '{"b":2}' }]);
    expect(decoder.pendingBytes).toBe(4);
    expect(decodeAll(decoder, [':3}\n'])).toEqual([{ line: '{"c":3}' }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('reassembles a line delivered one byte at a time', () => {
    const decoder = new LineDecoder();
    const text = '{"method":"turn/started","params":{"threadId":"t1"}}\n{"id":2,"result":{}}\n';
    const decoded = decodeAll(decoder, slices(Buffer.from(text), 1));
    expect(decoded).toEqual([{ line: '{"method":"turn/started","params":{"threadId":"t1"}}' }, { line: '{"id":2,"result":{}}' }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('strips a CR before the LF, also when CR and LF arrive in different chunks', () => {
    const decoder = new LineDecoder();
    expect(decodeAll(decoder, ['one\r\ntwo\r', '\nthree\n'])).toEqual([{ line: 'one' }, { line: 'two' }, { line: 'three' }]);
  });

  it('keeps a CR that is not right before the LF', () => {
    const decoder = new LineDecoder();
    expect(decodeAll(decoder, ['a\rb\n'])).toEqual([{ line: 'a\rb' }]);
  });

  it('skips empty lines (bare LF and bare CRLF)', () => {
    const decoder = new LineDecoder();
    expect(decodeAll(decoder, ['\n\n{"x":1}\n\r\n\n', '\n{"y":2}\n'])).toEqual([{ line: '{"x":1}' }, { line: '{"y":2}' }]);
  });

  it('decodes multi-byte UTF-8 characters split across chunk boundaries', () => {
    const decoder = new LineDecoder();
    const text = '{"text":"héllo — 日本語 🎉 «ok»"}\n';
    const bytes = Buffer.from(text, 'utf8');
    // Every 1-, 2- and 3-byte split lands inside some multi-byte sequence.
    for (const size of [1, 2, 3, 5]) {
      expect(decodeAll(decoder, slices(bytes, size))).toEqual([{ line: text.slice(0, -1) }]);
    }
    // The 4-byte emoji cut after each of its first three bytes.
    const emoji = bytes.indexOf(Buffer.from('🎉', 'utf8'));
    for (const cut of [1, 2, 3]) {
      expect(decodeAll(decoder, [bytes.subarray(0, emoji + cut), bytes.subarray(emoji + cut)])).toEqual([{ line: text.slice(0, -1) }]);
    }
  });

  it('has a default cap far above real thread reads (64 MiB)', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(64 * 1024 * 1024);
  });

  it('decodes a 5 MB line with the default cap, whole and in 64 KiB chunks', () => {
    const payload = 'x'.repeat(5 * 1024 * 1024);
    const line = `{"id":1,"result":{"blob":"${payload}"}}`;
    const whole = decodeAll(new LineDecoder(), [`${line}\n`]);
    expect(whole).toHaveLength(1);
    expect(whole[0]).toEqual({ line });

    const chunked = decodeAll(new LineDecoder(), slices(Buffer.from(`${line}\n{"id":2}\n`), 64 * 1024));
    expect(chunked).toHaveLength(2);
    expect(chunked[0]).toEqual({ line });
    expect(chunked[1]).toEqual({ line: '{"id":2}' });
  });

  it('reports a line over the cap as oversized and still decodes the next line (one chunk)', () => {
    const decoder = new LineDecoder(1024);
    const big = 'a'.repeat(2000);
    expect(decodeAll(decoder, [`${big}\n{"ok":true}\n`])).toEqual([expect.objectContaining({ oversized: 2000 }), { line: '{"ok":true}' }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('accepts a line of exactly the cap and rejects one byte more', () => {
    const decoder = new LineDecoder(1024);
    expect(decodeAll(decoder, [`${'b'.repeat(1024)}\n${'c'.repeat(1025)}\nnext\n`])).toEqual([
      { line: 'b'.repeat(1024) },
      expect.objectContaining({ oversized: 1025 }),
      { line: 'next' },
    ]);
  });

  it('reports an oversized line that was buffered across a few chunks before its LF', () => {
    const decoder = new LineDecoder(1024);
    // 600 + 600 bytes without LF would exceed the cap only when the second chunk arrives.
    expect(decodeAll(decoder, ['d'.repeat(600)])).toEqual([]);
    expect(decodeAll(decoder, [`${'d'.repeat(300)}`])).toEqual([]);
    expect(decodeAll(decoder, [`${'d'.repeat(200)}\n{"after":1}\n`])).toEqual([expect.objectContaining({ oversized: 1100 }), { line: '{"after":1}' }]);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('discards an oversized line arriving in many chunks without buffering it, then decodes the next line', () => {
    const decoder = new LineDecoder(1024);
    const total = 100 * 1024;
    const chunks = slices(Buffer.from('z'.repeat(total)), 1000);
    const out: DecodedLine[] = [];
    for (const chunk of chunks) out.push(...decoder.push(chunk));
    // Nothing is yielded until the line ends; the count keeps growing but the bytes are dropped.
    expect(out).toEqual([]);
    expect(decoder.pendingBytes).toBe(total);
    out.push(...decoder.push(Buffer.from('zz\r\n{"id":7,"result":"fine"}\npartial')));
    expect(out).toEqual([expect.objectContaining({ oversized: total + 3 }), { line: '{"id":7,"result":"fine"}' }]);
    expect(decoder.pendingBytes).toBe('partial'.length);
    expect(decodeAll(decoder, ['-done\n'])).toEqual([{ line: 'partial-done' }]);
  });

  it('recovers from two oversized lines in a row', () => {
    const decoder = new LineDecoder(16);
    const chunks = [...slices(Buffer.from('q'.repeat(40)), 7), Buffer.from('\n'), ...slices(Buffer.from('r'.repeat(30)), 9), Buffer.from('\nshort\n')];
    expect(decodeAll(decoder, chunks)).toEqual([expect.objectContaining({ oversized: 40 }), expect.objectContaining({ oversized: 30 }), { line: 'short' }]);
  });

  it('keeps the start and end of an oversized line (at most 4 KiB each), whole or in many chunks', () => {
    const line = `{"id":42,"result":{"pad":"${'p'.repeat(20_000)}"},"last":"end"}`;
    const expected = { oversized: line.length, head: line.slice(0, OVERSIZED_EDGE_BYTES), tail: line.slice(-OVERSIZED_EDGE_BYTES) };
    expect(decodeAll(new LineDecoder(1024), [`${line}\n`])).toEqual([expected]);
    for (const size of [1000, 5000, 7]) expect(decodeAll(new LineDecoder(1024), [...slices(Buffer.from(`${line}\n`), size)])).toEqual([expected]);
    const atEof = new LineDecoder(1024);
    expect(decodeAll(atEof, slices(Buffer.from(line), 3000))).toEqual([]);
    expect(atEof.flush()).toEqual(expected);
  });
});
