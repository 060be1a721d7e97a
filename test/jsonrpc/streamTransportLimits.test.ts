import { PassThrough } from 'node:stream';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { describe, expect, it, vi } from 'vitest';
import { JsonRpcConnection } from '../../src/jsonrpc/connection.js';
import { ConnectionError } from '../../src/jsonrpc/connectionError.js';
import { StreamTransport } from '../../src/jsonrpc/streamTransport.js';
import { identifyOversizedLine } from '../../src/shared/oversizedLine.js';

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

describe('a connection over a capped StreamTransport', () => {
  /** A connection whose peer writes raw bytes into `input` and reads what the connection wrote from `output`. */
  async function capped() {
    const input = new PassThrough();
    const output = new PassThrough();
    const transport = new StreamTransport(input, output, { peerName: 'peer', maxLineBytes: 1024, identifyOversized: identifyOversizedLine });
    const conn = new JsonRpcConnection(transport, { peerName: 'peer', requestTimeoutMs: 30_000 });
    const errors: Error[] = [];
    conn.onError((e) => errors.push(e));
    await conn.start();
    const written: Array<Record<string, unknown>> = [];
    createInterface({ input: output }).on('line', (line) => written.push(JSON.parse(line) as Record<string, unknown>));
    return { input, conn, errors, written };
  }

  it('fails the request whose answer was too long to read at once, typed, and reports the dropped line', async () => {
    const { input, conn, errors } = await capped();
    const answered = conn.request('thread/list', {}).catch((error: unknown) => error);
    const other = conn.request('other', {});
    await nextMacrotask();
    input.write(`{"id":1,"result":{"pad":"${'x'.repeat(5000)}"}}\n{"id":2,"result":"fine"}\n`);
    const error = await answered;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).code).toBe('protocol');
    expect((error as ConnectionError).data).toEqual({ oversized: 5028, max_line_bytes: 1024, method: 'thread/list' });
    expect((error as ConnectionError).message).not.toContain('xxxx');
    await expect(other).resolves.toBe('fine');
    expect(errors).toEqual([error]);
    expect(conn.pendingCount).toBe(0);
  });

  it('answers a request too long to read with an error, so the peer does not wait for ever', async () => {
    const { input, errors, written } = await capped();
    input.write(`{"method":"item/commandExecution/requestApproval","id":7,"params":{"pad":"${'x'.repeat(5000)}"}}\n`);
    await vi.waitFor(() => expect(written).toHaveLength(1));
    expect(written[0]).toMatchObject({ id: 7, error: { code: -32600 } });
    expect((errors[0] as ConnectionError).data).toMatchObject({ max_line_bytes: 1024, method: 'item/commandExecution/requestApproval' });
  });
});
