import { PassThrough } from 'node:stream';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ConnectionError } from '../../src/jsonrpc/connectionError.js';
import { StreamTransport } from '../../src/jsonrpc/streamTransport.js';

describe('StreamTransport line cap', () => {
  it('can raise its cap (a server does once a peer said hello), shows the bytes held, and types an oversized line', async () => {
    const input = new PassThrough();
    const transport = new StreamTransport(input, new PassThrough(), { peerName: 'peer', maxLineBytes: 16 });
    const messages: unknown[] = [];
    const errors: Error[] = [];
    transport.onmessage = (m) => messages.push(m);
    transport.onerror = (e) => errors.push(e);
    await transport.start();

    input.write('{"id":1,"method":"hello"}\n');
    await nextMacrotask();
    expect(messages).toEqual([]);
    expect(errors[0]).toBeInstanceOf(ConnectionError);
    expect((errors[0] as ConnectionError).data).toEqual({ oversized: 25, max_line_bytes: 16 });

    transport.maxLineBytes = 1024;
    input.write('{"id":2,"method":"hello"');
    await nextMacrotask();
    expect(transport.pendingBytes).toBe(24);
    input.write('}\n');
    await nextMacrotask();
    expect(messages).toEqual([{ id: 2, method: 'hello' }]);
    expect(transport.pendingBytes).toBe(0);
  });
});
