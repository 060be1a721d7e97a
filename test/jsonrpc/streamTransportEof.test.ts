import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineDecoder } from '../../src/jsonrpc/lineDecoder.js';
import { StreamTransport } from '../../src/jsonrpc/streamTransport.js';

describe('end of input', () => {
  it('delivers a last line that has no trailing newline', async () => {
    const input = new PassThrough();
    const transport = new StreamTransport(input, new PassThrough());
    const messages: unknown[] = [];
    const closed = new Promise<void>((resolve) => (transport.onclose = () => resolve()));
    transport.onmessage = (m) => messages.push(m);
    await transport.start();
    input.end('{"id":1,"result":{}}\n{"method":"last"}');
    await closed;
    expect(messages).toEqual([{ id: 1, result: {} }, { method: 'last' }]);
  });

  it('flush reports an oversized tail and clears the decoder', () => {
    const decoder = new LineDecoder(8);
    expect([...decoder.push(Buffer.from('0123456789abcdef'))]).toEqual([]);
    expect(decoder.flush()).toEqual(expect.objectContaining({ oversized: 16 }));
    expect(decoder.flush()).toBeUndefined();
    expect([...decoder.push(Buffer.from('ok\r\n'))]).toEqual([{ line: 'ok' }]);
  });
});
