import { describe, expect, it } from 'vitest';
import { JsonRpcConnection } from '../../src/jsonrpc/connection.js';
import { CONNECTION_ERROR_CODES, ConnectionError } from '../../src/jsonrpc/connectionError.js';
import { MemoryTransport } from '../../src/jsonrpc/memoryTransport.js';

import { withRawPeer } from './rawPeer.js';
import { CONNECTION_ERROR_MAP, DispatchError, toDispatchError, wireErrorOf } from '../../src/shared/errors.js';

const CANCEL = '$/cancelRequest';

/** Resolves once `condition` holds, polling each macrotask; rejects after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const rawPeer = (options: { cancelMethod?: string } = {}) => withRawPeer(options);

describe('request cancellation', () => {
  it('sends the cancel notification with the id when the caller aborts, and drops the late answer quietly', async () => {
    const { conn, received, errors, send } = await rawPeer({ cancelMethod: CANCEL });
    const controller = new AbortController();
    const pending = conn.request('long', { n: 1 }, { signal: controller.signal, timeoutMs: 0 });
    await until(() => received.length === 1, 'the request');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'ConnectionError', code: 'cancelled' });
    await until(() => received.length === 2, 'the cancel notification');
    expect(received[1]).toEqual({ method: CANCEL, params: { id: received[0]?.['id'] } });
    await send({ id: received[0]?.['id'], error: { code: -32800, message: 'cancelled' } });
    await send({ id: 999, result: {} }); // an id never sent is still reported
    await until(() => errors.length === 1, 'the unknown-id report');
    expect(errors[0]?.message).toContain('unknown request id 999');
  });

  it('sends no cancel notification without a cancel method (codex has none)', async () => {
    const { conn, received } = await rawPeer();
    const controller = new AbortController();
    const pending = conn.request('long', undefined, { signal: controller.signal, timeoutMs: 0 });
    await until(() => received.length === 1, 'the request');
    controller.abort();
    await expect(pending).rejects.toBeInstanceOf(ConnectionError);
    await conn.notify('marker');
    await until(() => received.length === 2, 'the marker');
    expect(received.map((m) => m['method'])).toEqual(['long', 'marker']);
  });

  it("aborts the handler's signal when the peer cancels that request, and answers with what the handler returns", async () => {
    const { conn, received, send } = await rawPeer({ cancelMethod: CANCEL });
    let reason: unknown;
    const seen: string[] = [];
    conn.onNotification((m) => seen.push(m.method));
    conn.onRequest('long', (_params, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => ((reason = signal.reason), resolve({ stopped: true })), { once: true })));
    await send({ id: 7, method: 'long' });
    await send({ id: 8, method: 'long' });
    await send({ method: CANCEL, params: { id: 7 } });
    await until(() => received.length === 1, 'the answer to the cancelled request');
    expect(received[0]).toEqual({ id: 7, result: { stopped: true } });
    expect(reason).toMatchObject({ name: 'ConnectionError', code: 'cancelled' });
    expect(seen).toEqual([]); // the cancel is the engine's, not an ordinary notification
    await send({ method: CANCEL, params: { id: 8 } });
    await until(() => received.length === 2, 'the second answer');
  });

  it('cancels end to end between two connections: the caller aborts, the handler sees it', async () => {
    const [ta, tb] = MemoryTransport.createLinkedPair();
    const a = new JsonRpcConnection(ta, { cancelMethod: CANCEL });
    const b = new JsonRpcConnection(tb, { cancelMethod: CANCEL });
    await a.start();
    await b.start();
    let handlerAborted = false;
    b.onRequest('wait', (_p, { signal }) => new Promise((resolve) => signal.addEventListener('abort', () => ((handlerAborted = true), resolve({})), { once: true })));
    const controller = new AbortController();
    const pending = a.request('wait', undefined, { signal: controller.signal, timeoutMs: 0 });
    await until(() => b.pendingCount === 0 && a.pendingCount === 1, 'the request in flight');
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'cancelled' });
    await until(() => handlerAborted, 'the handler abort');
  });
});

describe('ConnectionError at dispatch boundaries', () => {
  it('maps every engine code to a dispatch code other than internal', () => {
    for (const code of Object.values(CONNECTION_ERROR_CODES)) {
      expect(CONNECTION_ERROR_MAP[code], code).toBeDefined();
      const mapped = toDispatchError(new ConnectionError(code, `it was ${code}`, { data: { method: 'm' } }));
      expect(mapped).toBeInstanceOf(DispatchError);
      expect(mapped.code).not.toBe('internal');
      expect(mapped.message).toBe(`it was ${code}`);
      expect(mapped.data).toEqual({ method: 'm' });
    }
    expect(toDispatchError(new ConnectionError('closed', 'gone')).code).toBe('transport_closed');
  });

  it('answers a ConnectionError thrown by a handler with the mapped code through wireErrorOf', () => {
    expect(wireErrorOf(new ConnectionError('cancelled', 'peer cancelled'))).toEqual({ code: -32800, message: 'peer cancelled', data: { code: 'cancelled' } });
  });
});
