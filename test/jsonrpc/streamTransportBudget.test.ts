import { PassThrough } from 'node:stream';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LineDecoder } from '../../src/jsonrpc/lineDecoder.js';
import { QUEUED_LINE_OVERHEAD_BYTES, StreamTransport } from '../../src/jsonrpc/streamTransport.js';

describe('StreamTransport outgoing budget', () => {
  it('past its budget refuses the send and reports the overflow; ending drops what waits and writes the final frames after what went out', async () => {
    // Nobody reads `output` for now: the first write fills its buffer and every later one waits.
    const output = new PassThrough({ highWaterMark: 64 });
    const overflows: number[] = [];
    const transport = new StreamTransport(new PassThrough(), output, { maxQueuedBytes: 20 * QUEUED_LINE_OVERHEAD_BYTES, onOverflow: (bytes) => overflows.push(bytes) });
    const closes: Array<Error | undefined> = [];
    transport.onclose = (reason) => closes.push(reason);
    await transport.start();

    const sends: Array<Promise<string>> = [];
    const outcome = (p: Promise<void>): Promise<string> => p.then(() => 'sent', (e: unknown) => (e as Error).message);
    let i = 0;
    while (overflows.length === 0 && i < 1000) sends.push(outcome(transport.send({ method: 'tick', params: { i: i++ } })));
    expect(overflows).toHaveLength(1);
    expect(i).toBeLessThan(30);
    expect(transport.queuedBytes).toBeGreaterThan(20 * QUEUED_LINE_OVERHEAD_BYTES);
    expect(await sends.at(-1)).toMatch(/reads too slowly/);

    transport.endDroppingQueued([{ method: 'ended', params: { why: 'too slow' } }], new Error('let go'));
    expect(closes).toHaveLength(1);
    const results = await Promise.all(sends);
    const sent = results.filter((r) => r === 'sent').length;
    expect(sent).toBeGreaterThan(0);
    expect(results.slice(sent, -1).every((r) => /closed/.test(r))).toBe(true);

    // The reader comes back: what went out, in order, then the final frame, then EOF.
    const decoder = new LineDecoder();
    const frames: unknown[] = [];
    output.on('data', (chunk: Buffer) => {
      for (const d of decoder.push(chunk)) if ('line' in d) frames.push(JSON.parse(d.line));
    });
    await new Promise<void>((resolve) => output.once('end', resolve));
    expect(frames).toEqual([...Array.from({ length: sent }, (_, n) => ({ method: 'tick', params: { i: n } })), { method: 'ended', params: { why: 'too slow' } }]);
    await nextMacrotask();
    expect(transport.queuedBytes).toBe(0);
  });

  it('lets one message of any size out to a peer that keeps up', async () => {
    const output = new PassThrough();
    const transport = new StreamTransport(new PassThrough(), output, { maxQueuedBytes: 1024, onOverflow: () => expect.fail('no overflow') });
    await transport.start();
    output.resume();
    await transport.send({ method: 'big', params: { pad: 'x'.repeat(100_000) } });
    await nextMacrotask();
    await transport.send({ method: 'next' });
    await nextMacrotask();
    expect(transport.queuedBytes).toBe(0);
  });

  it('says which messages were handed to the stream, before their sends resolve: a peer let go reads exactly those', async () => {
    const output = new PassThrough({ highWaterMark: 64 });
    const handed: unknown[] = [];
    const transport = new StreamTransport(new PassThrough(), output, { onHanded: (message) => handed.push(message) });
    await transport.start();
    let resolved = false;
    // Over the high-water mark: handed to the stream at once, resolved only once it drains.
    const sent = transport.send({ method: 'event', params: { seq: 7, text: 'x'.repeat(200) } }).then(() => (resolved = true));
    await nextMacrotask();
    expect(handed).toEqual([{ method: 'event', params: { seq: 7, text: 'x'.repeat(200) } }]);
    expect(resolved).toBe(false);
    output.resume();
    await sent;
    expect(resolved).toBe(true);
  });
});
