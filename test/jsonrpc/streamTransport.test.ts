import { PassThrough } from 'node:stream';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LineDecoder } from '../../src/jsonrpc/lineDecoder.js';
import type { Message } from '../../src/jsonrpc/message.js';
import { StreamTransport } from '../../src/jsonrpc/streamTransport.js';
import type { StreamTransportOptions } from '../../src/jsonrpc/streamTransport.js';
import { ConnectionError, type ConnectionErrorCode } from '../../src/jsonrpc/connectionError.js';

interface Harness {
  transport: StreamTransport;
  /** What the peer writes; the transport reads it. */
  input: PassThrough;
  /** What the transport writes; the peer reads it. */
  output: PassThrough;
  messages: unknown[];
  errors: Error[];
  closes: Array<Error | undefined>;
}

async function startTransport(options: StreamTransportOptions = {}, output = new PassThrough()): Promise<Harness> {
  const input = new PassThrough();
  const transport = new StreamTransport(input, output, { peerName: 'test peer', ...options });
  const h: Harness = { transport, input, output, messages: [], errors: [], closes: [] };
  transport.onmessage = (m) => h.messages.push(m);
  transport.onerror = (e) => h.errors.push(e);
  transport.onclose = (r) => h.closes.push(r);
  await transport.start();
  return h;
}

/** Lets queued stream events ('data', 'end', 'error') run. */
async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await nextMacrotask();
}

/** Reads everything written to a stream as JSONL and parses it. */
function collectLines(stream: PassThrough): unknown[] {
  const decoder = new LineDecoder();
  const out: unknown[] = [];
  stream.on('data', (chunk: Buffer) => {
    for (const d of decoder.push(chunk)) if ('line' in d) out.push(JSON.parse(d.line));
  });
  return out;
}

function expectConnectionError(error: unknown, code: ConnectionErrorCode): ConnectionError {
  expect(error).toBeInstanceOf(ConnectionError);
  const e = error as ConnectionError;
  expect(e.code).toBe(code);
  return e;
}

describe('StreamTransport', () => {
  it('decodes JSONL messages, including ones split across writes', async () => {
    const h = await startTransport();
    h.input.write('{"id":1,"result":{"ok":true}}\n{"method":"thread/st');
    h.input.write('arted","params":{"thread":{"id":"t1"}}}\r\n');
    h.input.write(Buffer.from('{"method":"note","params":{"text":"日本"}}\n', 'utf8').subarray(0, 30));
    h.input.write(Buffer.from('{"method":"note","params":{"text":"日本"}}\n', 'utf8').subarray(30));
    await settle();
    expect(h.messages).toEqual([
      { id: 1, result: { ok: true } },
      { method: 'thread/started', params: { thread: { id: 't1' } } },
      { method: 'note', params: { text: '日本' } },
    ]);
    expect(h.errors).toEqual([]);
    expect(h.closes).toEqual([]);
  });

  it('reports a non-JSON line as a protocol error and keeps delivering later lines', async () => {
    const h = await startTransport();
    h.input.write('{"method":"first"}\nthis is not json\n{"method":"second"}\n');
    await settle();
    expect(h.messages).toEqual([{ method: 'first' }, { method: 'second' }]);
    expect(h.errors).toHaveLength(1);
    const e = expectConnectionError(h.errors[0], 'protocol');
    expect(e.message).toContain('test peer');
    expect(e.message).toContain('this is not json');
    expect(h.closes).toEqual([]);
  });

  it('reports an over-long line as a protocol error and keeps delivering later lines', async () => {
    const h = await startTransport({ maxLineBytes: 64 });
    h.input.write(`{"method":"big","params":"${'x'.repeat(100)}"}\n`);
    h.input.write('{"method":"small"}\n');
    await settle();
    expect(h.messages).toEqual([{ method: 'small' }]);
    expect(h.errors).toHaveLength(1);
    const e = expectConnectionError(h.errors[0], 'protocol');
    expect(e.message).toContain('128 bytes');
  });

  it('closes with closed on EOF, once, and rejects later sends', async () => {
    const h = await startTransport();
    h.input.end('{"method":"last"}\n');
    await settle();
    expect(h.messages).toEqual([{ method: 'last' }]);
    expect(h.closes).toHaveLength(1);
    const reason = expectConnectionError(h.closes[0], 'closed');
    expect(reason.message).toContain('EOF');
    await expect(h.transport.send({ method: 'late' })).rejects.toMatchObject({ name: 'ConnectionError', code: 'closed' });
    await h.transport.close();
    expect(h.closes).toHaveLength(1);
  });

  it('closes with closed when the input stream fails', async () => {
    const h = await startTransport();
    h.input.destroy(new Error('pipe broke'));
    await settle();
    expect(h.closes).toHaveLength(1);
    const reason = expectConnectionError(h.closes[0], 'closed');
    expect(reason.message).toContain('pipe broke');
    expect((reason.cause as Error).message).toBe('pipe broke');
  });

  it('writes one JSON line per message', async () => {
    const h = await startTransport();
    const lines = collectLines(h.output);
    await h.transport.send({ id: 1, method: 'initialize', params: { clientInfo: { name: 'x' } } });
    await h.transport.send({ method: 'initialized' });
    await h.transport.send({ id: 'abc', result: { ok: 1 } });
    await settle();
    expect(lines).toEqual([{ id: 1, method: 'initialize', params: { clientInfo: { name: 'x' } } }, { method: 'initialized' }, { id: 'abc', result: { ok: 1 } }]);
  });

  it('rejects sends after close() with closed and ends the output', async () => {
    const h = await startTransport();
    let ended = false;
    h.output.on('finish', () => (ended = true));
    await h.transport.close();
    expect(h.closes).toEqual([undefined]);
    await expect(h.transport.send({ method: 'after' })).rejects.toMatchObject({ name: 'ConnectionError', code: 'closed' });
    await settle();
    expect(ended).toBe(true);
    // A later EOF does not call onclose a second time.
    h.input.end();
    await settle();
    expect(h.closes).toEqual([undefined]);
  });

  // BUG (src/jsonrpc/streamTransport.ts, send()): the closed check runs inside `writeChain.then(...)`, so
  // once a write waits for a 'drain' that never comes (the peer stopped reading), close() settles
  // nothing: the blocked send and every later send hang forever instead of rejecting transport_closed.
  it('after close(), sends queued behind a write blocked on drain reject with closed instead of hanging', async () => {
    const output = new PassThrough({ highWaterMark: 16 });
    const h = await startTransport({}, output);
    const outcome = (p: Promise<void>): Promise<string> =>
      Promise.race([
        p.then(
          () => 'resolved',
          (e: unknown) => (e instanceof ConnectionError ? e.code : 'other error'),
        ),
        new Promise<string>((resolve) => setTimeout(() => resolve('still pending'), 300)),
      ]);
    // Nobody reads `output`: the first write fills the buffer and waits for 'drain'.
    const blocked = h.transport.send({ method: 'big', params: { pad: 'y'.repeat(100) } });
    await settle();
    await h.transport.close();
    const late = h.transport.send({ method: 'late' });
    expect(await outcome(late)).toBe('closed');
    // The blocked write itself must settle too (its bytes may never reach the peer).
    expect(await outcome(blocked)).not.toBe('still pending');
  });

  it('rejects a send to a destroyed output with closed', async () => {
    const h = await startTransport();
    h.output.destroy();
    await expect(h.transport.send({ method: 'x' })).rejects.toMatchObject({ name: 'ConnectionError', code: 'closed' });
  });

  it('applies backpressure: 10k sends resolve in order once the reader drains', async () => {
    const output = new PassThrough({ highWaterMark: 256 });
    const h = await startTransport({}, output);
    const total = 10_000;
    const resolved: number[] = [];
    const sends: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const message: Message = { method: 'tick', params: { i } };
      sends.push(h.transport.send(message).then(() => void resolved.push(i)));
    }
    await settle(5);
    // Nobody reads yet: the writable side is full and the chain waits for 'drain'.
    expect(resolved.length).toBeGreaterThan(0);
    expect(resolved.length).toBeLessThan(total);
    const stalledAt = resolved.length;
    await settle(5);
    expect(resolved.length).toBe(stalledAt);

    const lines = collectLines(output);
    await Promise.all(sends);
    await settle();
    expect(resolved).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(lines).toHaveLength(total);
    expect(lines.every((m, i) => (m as { params: { i: number } }).params.i === i)).toBe(true);
  });
});
