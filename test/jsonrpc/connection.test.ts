import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { JsonRpcConnection } from '../../src/jsonrpc/connection.js';
import type { ConnectionOptions } from '../../src/jsonrpc/connection.js';
import { MemoryTransport } from '../../src/jsonrpc/memoryTransport.js';
import { classify, readWireError } from '../../src/jsonrpc/message.js';
import type { NotificationMessage, RequestId } from '../../src/jsonrpc/message.js';
import { RPC_CODES, RpcError } from '../../src/jsonrpc/rpcError.js';
import { DispatchError, ERROR_TABLE, wireErrorOf } from '../../src/shared/errors.js';
import { ConnectionError, type ConnectionErrorCode } from '../../src/jsonrpc/connectionError.js';
import { withRawPeer } from './rawPeer.js';


/** Two connections talking to each other over linked memory transports. */
async function linkedConnections(optionsA: ConnectionOptions = {}, optionsB: ConnectionOptions = {}) {
  const [ta, tb] = MemoryTransport.createLinkedPair();
  const a = new JsonRpcConnection(ta, { peerName: 'B', ...optionsA });
  const b = new JsonRpcConnection(tb, { peerName: 'A', ...optionsB });
  const errorsA: Error[] = [];
  const errorsB: Error[] = [];
  a.onError((e) => errorsA.push(e));
  b.onError((e) => errorsB.push(e));
  await a.start();
  await b.start();
  return { a, b, ta, tb, errorsA, errorsB };
}


/** Waits (in macrotask steps) until a condition holds; fails loudly otherwise. */
async function until(condition: () => boolean, what: string, rounds = 200): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    if (condition()) return;
    await nextMacrotask();
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await nextMacrotask();
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

async function connectionErrorOf(promise: Promise<unknown>, code: ConnectionErrorCode): Promise<ConnectionError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(ConnectionError);
  expect((error as ConnectionError).code).toBe(code);
  return error as ConnectionError;
}

async function rpcErrorOf(promise: Promise<unknown>): Promise<RpcError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(RpcError);
  return error as RpcError;
}

describe('classify', () => {
  it.each<[string, unknown]>([
    ['request with integer id', { id: 1, method: 'thread/start', params: {} }],
    ['request with id 0', { id: 0, method: 'item/commandExecution/requestApproval', params: {} }],
    ['request with string id', { id: 'abc', method: 'x' }],
    ['request with negative id', { id: -3, method: 'x' }],
    ['request with jsonrpc field', { jsonrpc: '2.0', id: 2, method: 'x' }],
  ])('%s is a request', (_name, value) => {
    expect(classify(value)).toBe('request');
  });

  it.each<[string, unknown]>([
    ['notification with params', { method: 'turn/started', params: { threadId: 't' } }],
    ['notification without params', { method: 'initialized' }],
    ['notification with jsonrpc field', { jsonrpc: '2.0', method: 'x' }],
  ])('%s is a notification', (_name, value) => {
    expect(classify(value)).toBe('notification');
  });

  it.each<[string, unknown]>([
    ['result response', { id: 1, result: {} }],
    ['null result response', { id: 1, result: null }],
    ['error response', { id: 'abc', error: { code: -32601, message: 'nope' } }],
    ['response with jsonrpc field', { jsonrpc: '2.0', id: 7, result: 1 }],
    ['id 0 response', { id: 0, result: {} }],
  ])('%s is a response', (_name, value) => {
    expect(classify(value)).toBe('response');
  });

  it.each<[string, unknown]>([
    ['a number', 42],
    ['a string', 'hello'],
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['an array (batch)', [{ id: 1, method: 'x' }]],
    ['an empty object', {}],
    ['an id without result or error', { id: 1 }],
    ['a non-string method', { id: 1, method: 5 }],
    ['a fractional id', { id: 1.5, method: 'x' }],
    ['a null id with a method', { id: null, method: 'x' }],
    ['a null id error response', { id: null, error: { code: -32700, message: 'parse error' } }],
    ['an object id', { id: { n: 1 }, result: {} }],
    ['a boolean id', { id: true, result: {} }],
    ['a result without id', { result: {} }],
  ])('%s is invalid', (_name, value) => {
    expect(classify(value)).toBe('invalid');
  });
});

describe('readWireError', () => {
  it('keeps code, message and data of a well-formed error', () => {
    expect(readWireError({ code: -32600, message: 'no active turn to steer', data: { a: 1 } })).toEqual({
      code: -32600,
      message: 'no active turn to steer',
      data: { a: 1 },
    });
    expect(readWireError({ code: -32601, message: 'x' })).toEqual({ code: -32601, message: 'x' });
  });

  it('turns malformed errors into usable ones', () => {
    expect(readWireError('boom')).toEqual({ code: -32603, message: 'malformed error response' });
    expect(readWireError(null)).toEqual({ code: -32603, message: 'malformed error response' });
    expect(readWireError({ code: '1', message: 7 })).toEqual({ code: -32603, message: 'unknown error' });
  });
});

describe('JsonRpcConnection', () => {
  it('round-trips a request both ways over linked memory transports', async () => {
    const { a, b } = await linkedConnections();
    b.onRequest('echo', (params, ctx) => ({ params, method: ctx.method, id: ctx.id }));
    a.onRequest('double', (params) => (params as { n: number }).n * 2);
    await expect(a.request('echo', { x: 1 })).resolves.toEqual({ params: { x: 1 }, method: 'echo', id: 1 });
    await expect(a.request('echo', [1, 2])).resolves.toEqual({ params: [1, 2], method: 'echo', id: 2 });
    await expect(b.request('double', { n: 21 })).resolves.toBe(42);
    expect(a.pendingCount).toBe(0);
    expect(b.pendingCount).toBe(0);
  });

  it('sends requests with increasing integer ids, no params key when none are given, and no jsonrpc field', async () => {
    const { conn, received, send } = await withRawPeer();
    const first = conn.request('ping');
    const second = conn.request('thread/read', { threadId: 't1' });
    await until(() => received.length === 2, 'two requests');
    expect(received).toEqual([
      { id: 1, method: 'ping' },
      { id: 2, method: 'thread/read', params: { threadId: 't1' } },
    ]);
    expect('params' in (received[0] ?? {})).toBe(false);
    await send({ id: 2, result: { b: 2 } });
    await send({ id: 1, result: { a: 1 } });
    await expect(first).resolves.toEqual({ a: 1 });
    await expect(second).resolves.toEqual({ b: 2 });
  });

  it('adds "jsonrpc":"2.0" to every outgoing frame when asked to', async () => {
    const { conn, received, send } = await withRawPeer({ jsonrpcField: true });
    conn.onRequest('x', () => ({ ok: true }));
    const pending = conn.request('ping', { p: 1 });
    await until(() => received.length === 1, 'the request');
    await conn.notify('note');
    await send({ id: 9, method: 'x' });
    await until(() => received.length === 3, 'three frames');
    expect(received).toEqual([
      { jsonrpc: '2.0', id: 1, method: 'ping', params: { p: 1 } },
      { jsonrpc: '2.0', method: 'note' },
      { jsonrpc: '2.0', id: 9, result: { ok: true } },
    ]);
    await send({ id: 1, result: 'pong' });
    await expect(pending).resolves.toBe('pong');
  });

  it('answers peer requests with the same string or integer id (including 0)', async () => {
    const { conn, received, send } = await withRawPeer();
    const seen: RequestId[] = [];
    conn.onRequest('x', (params, ctx) => {
      seen.push(ctx.id);
      return { echoed: params ?? null };
    });
    await send({ id: 'abc', method: 'x' });
    await send({ id: 42, method: 'x', params: { n: 1 } });
    await send({ id: 0, method: 'x' });
    await until(() => received.length === 3, 'three responses');
    expect(seen).toEqual(['abc', 42, 0]);
    const byId = new Map(received.map((r) => [r['id'], r]));
    expect(byId.get('abc')).toEqual({ id: 'abc', result: { echoed: null } });
    expect(byId.get(42)).toEqual({ id: 42, result: { echoed: { n: 1 } } });
    expect(byId.get(0)).toEqual({ id: 0, result: { echoed: null } });
    expect(received.every((r) => !('error' in r))).toBe(true);
  });

  it('answers a handler returning nothing with an empty object result', async () => {
    const { conn, received, send } = await withRawPeer();
    conn.onRequest('void', () => undefined);
    await send({ id: 3, method: 'void' });
    await until(() => received.length === 1, 'a response');
    expect(received[0]).toEqual({ id: 3, result: {} });
  });

  it('rejects with an RpcError carrying the peer code, message and data of a wire error', async () => {
    const { conn, received, send } = await withRawPeer();
    const pending = conn.request('turn/steer', { threadId: 't' });
    await until(() => received.length === 1, 'the request');
    await send({ id: received[0]?.['id'], error: { code: -32600, message: 'no active turn to steer', data: { hint: 'start one' } } });
    const error = await rpcErrorOf(pending);
    expect(error.code).toBe(-32600);
    expect(error.message).toBe('no active turn to steer');
    expect(error.data).toEqual({ hint: 'start one' });
    expect(error.method).toBe('turn/steer');
    expect(error.name).toBe('RpcError');
    expect(conn.pendingCount).toBe(0);
  });

  it('rejects with a usable RpcError when the peer sends a malformed error object', async () => {
    const { conn, send } = await withRawPeer();
    const pending = conn.request('x');
    await send({ id: 1, error: 'exploded' });
    const error = await rpcErrorOf(pending);
    expect(error.code).toBe(RPC_CODES.internalError);
    expect(error.message).toBe('malformed error response');
  });

  it('answers an incoming request with no handler with -32601', async () => {
    const { conn, received, send } = await withRawPeer();
    await send({ id: 5, method: 'no/such/method', params: {} });
    await until(() => received.length === 1, 'an error response');
    expect(received[0]).toMatchObject({ id: 5, error: { code: -32601 } });
    expect((received[0]?.['error'] as { message: string }).message).toContain('no/such/method');
    expect(conn.pendingCount).toBe(0);

    // And seen from a JsonRpcConnection on the other side: an RpcError with that code.
    const { a } = await linkedConnections();
    const error = await rpcErrorOf(a.request('missing'));
    expect(error.code).toBe(RPC_CODES.methodNotFound);
  });

  it('routes requests no method handler claims to the fallback handler, until it is disposed', async () => {
    const { conn, received, send } = await withRawPeer();
    conn.onRequest('known', () => 'known');
    const fallback = conn.onUnhandledRequest((_params, ctx) => ({ fallback: ctx.method }));
    await send({ id: 1, method: 'known' });
    await send({ id: 2, method: 'other' });
    await until(() => received.length === 2, 'two responses');
    expect(received).toEqual([
      { id: 1, result: 'known' },
      { id: 2, result: { fallback: 'other' } },
    ]);
    fallback.dispose();
    await send({ id: 3, method: 'other' });
    await until(() => received.length === 3, 'a third response');
    expect(received[2]).toMatchObject({ id: 3, error: { code: -32601 } });
  });

  it('lets onRequestObserved see incoming requests before the handler runs', async () => {
    const { conn, received, send } = await withRawPeer();
    const log: string[] = [];
    conn.onRequestObserved((m) => log.push(`observed ${m.method}#${String(m.id)}`));
    conn.onRequest('x', () => {
      log.push('handled');
      return 1;
    });
    await send({ id: 'r1', method: 'x' });
    await until(() => received.length === 1, 'a response');
    expect(log).toEqual(['observed x#r1', 'handled']);
  });

  it('maps a DispatchError thrown by a handler through errorToWire (dispatch passes its ERROR_TABLE mapper)', async () => {
    const { conn, received, send } = await withRawPeer({ errorToWire: wireErrorOf });
    conn.onRequest('lane/get', () => {
      throw new DispatchError('not_found', 'no lane called ghost', { data: { lane: 'ghost' } });
    });
    conn.onRequest('lane/async', async () => {
      await settle(1);
      throw new DispatchError('lane_busy', 'busy');
    });
    await send({ id: 1, method: 'lane/get' });
    await send({ id: 2, method: 'lane/async' });
    await until(() => received.length === 2, 'two error responses');
    const byId = new Map(received.map((r) => [r['id'], r]));
    expect(byId.get(1)).toEqual({
      id: 1,
      error: { code: ERROR_TABLE.not_found.rpc, message: 'no lane called ghost', data: { code: 'not_found', lane: 'ghost' } },
    });
    expect(ERROR_TABLE.not_found.rpc).toBe(-32004);
    expect(byId.get(2)).toEqual({ id: 2, error: { code: ERROR_TABLE.lane_busy.rpc, message: 'busy', data: { code: 'lane_busy' } } });
  });

  it('answers a plain Error with -32603 and its message by default, and passes an RpcError through unchanged', async () => {
    const { conn, received, send } = await withRawPeer();
    conn.onRequest('plain', () => {
      throw new Error('kaboom');
    });
    conn.onRequest('rpc', () => {
      throw new RpcError('rpc', { code: -32001, message: 'Server overloaded; retry later.', data: { retryAfterMs: 5 } });
    });
    await send({ id: 1, method: 'plain' });
    await send({ id: 2, method: 'rpc' });
    await until(() => received.length === 2, 'two error responses');
    const byId = new Map(received.map((r) => [r['id'], r]));
    expect(byId.get(1)).toEqual({ id: 1, error: { code: RPC_CODES.internalError, message: 'kaboom' } });
    expect(byId.get(2)).toEqual({ id: 2, error: { code: -32001, message: 'Server overloaded; retry later.', data: { retryAfterMs: 5 } } });
  });

  it('gives a DispatchError from the handler side back to a requesting connection as RpcError with data.code', async () => {
    const { a, b } = await linkedConnections({}, { errorToWire: wireErrorOf });
    b.onRequest('find', () => {
      throw new DispatchError('not_found', 'nothing here');
    });
    const error = await rpcErrorOf(a.request('find'));
    expect(error.code).toBe(ERROR_TABLE.not_found.rpc);
    expect(error.message).toBe('nothing here');
    expect(error.data).toEqual({ code: 'not_found' });
  });

  it('times a request out with ConnectionError timeout and drops a late response through onError', async () => {
    const { conn, received, errors, send } = await withRawPeer();
    const started = Date.now();
    const error = await connectionErrorOf(conn.request('slow', { s: 1 }, { timeoutMs: 30 }), 'timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(error.data).toEqual({ method: 'slow', timeoutMs: 30 });
    expect(error.message).toContain('slow');
    expect(conn.pendingCount).toBe(0);
    expect(received).toEqual([{ id: 1, method: 'slow', params: { s: 1 } }]);

    await send({ id: 1, result: { late: true } });
    await until(() => errors.length === 1, 'the late response report');
    const late = errors[0];
    expect(late).toBeInstanceOf(ConnectionError);
    expect((late as ConnectionError).code).toBe('protocol');
    expect(late?.message).toContain('unknown request id 1');
    expect(conn.closed).toBe(false);
    // The connection keeps working.
    const next = conn.request('fast');
    await send({ id: 2, result: 'ok' });
    await expect(next).resolves.toBe('ok');
  });

  it('applies the connection default timeout, and timeoutMs 0 waits beyond it', async () => {
    const { conn, send } = await withRawPeer({ requestTimeoutMs: 20 });
    await connectionErrorOf(conn.request('a'), 'timeout');
    let settled = false;
    // A faked clock moves past the 20 ms default at once, instead of the test sleeping through it.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let forever: Promise<unknown>;
    try {
      forever = conn.request('b', undefined, { timeoutMs: 0 }).finally(() => (settled = true));
      await vi.advanceTimersByTimeAsync(60_000);
    } finally {
      vi.useRealTimers();
    }
    expect(settled).toBe(false);
    expect(conn.pendingCount).toBe(1);
    await send({ id: 2, result: 'eventually' });
    await expect(forever).resolves.toBe('eventually');
  });

  it('rejects with cancelled when the AbortSignal fires mid-flight, and drops the late answer', async () => {
    const { conn, received, errors, send } = await withRawPeer();
    const controller = new AbortController();
    const pending = conn.request('turn/start', {}, { signal: controller.signal });
    await until(() => received.length === 1, 'the request');
    expect(conn.pendingCount).toBe(1);
    controller.abort(new Error('user pressed ^C'));
    const error = await connectionErrorOf(pending, 'cancelled');
    expect((error.cause as Error).message).toBe('user pressed ^C');
    expect(conn.pendingCount).toBe(0);
    await send({ id: 1, result: {} });
    await until(() => errors.length === 1, 'the late response report');
    expect((errors[0] as ConnectionError).code).toBe('protocol');
  });

  // Regression: request() used `options.signal?.throwIfAborted()`, which rejected with the signal's raw
  // reason (a DOMException AbortError, or whatever was passed to abort()) instead of ConnectionError.
  it('rejects with ConnectionError cancelled when the signal is already aborted before the call', async () => {
    const { conn, received } = await withRawPeer();
    const error = await rejectionOf(conn.request('x', undefined, { signal: AbortSignal.abort() }));
    expect(received).toEqual([]);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).code).toBe('cancelled');
    // A custom abort reason is kept as the cause, not thrown as-is.
    const reason = new Error('stop now');
    const custom = await connectionErrorOf(conn.request('y', undefined, { signal: AbortSignal.abort(reason) }), 'cancelled');
    expect(custom.cause).toBe(reason);
    expect(received).toEqual([]);
    expect(conn.pendingCount).toBe(0);
  });

  it('rejects every pending request with closed on close and empties the pending map', async () => {
    const { conn, received } = await withRawPeer();
    const reasons: Error[] = [];
    conn.onClose((r) => reasons.push(r));
    const pending = [conn.request('a'), conn.request('b'), conn.request('c')];
    await until(() => received.length === 3, 'three requests');
    expect(conn.pendingCount).toBe(3);
    await conn.close();
    for (const p of pending) await connectionErrorOf(p, 'closed');
    expect(conn.pendingCount).toBe(0);
    expect(conn.closed).toBe(true);
    expect(reasons).toHaveLength(1);
    expect((reasons[0] as ConnectionError).code).toBe('closed');
    await connectionErrorOf(conn.request('after'), 'closed');
    await connectionErrorOf(conn.notify('after'), 'closed');
    // onClose registered after the fact still hears about it.
    const lateReasons: Error[] = [];
    conn.onClose((r) => lateReasons.push(r));
    await settle(1);
    expect((lateReasons[0] as ConnectionError | undefined)?.code).toBe('closed');
  });

  it('rejects pending requests when the peer closes, and aborts incoming handlers', async () => {
    const { a, b } = await linkedConnections();
    let handlerSignal: AbortSignal | undefined;
    b.onRequest('hang', (_p, ctx) => {
      handlerSignal = ctx.signal;
      return new Promise(() => undefined);
    });
    const pending = a.request('hang');
    await until(() => handlerSignal !== undefined, 'the handler to start');
    expect(handlerSignal?.aborted).toBe(false);
    await b.close();
    await connectionErrorOf(pending, 'closed');
    expect(a.pendingCount).toBe(0);
    expect(a.closed).toBe(true);
    expect(handlerSignal?.aborted).toBe(true);
    expect((handlerSignal?.reason as ConnectionError).code).toBe('closed');
  });

  it('with maxInFlight=2 keeps at most 2 requests unanswered and completes all 5 in order', async () => {
    const { conn, peer } = await withRawPeer({ maxInFlight: 2 });
    const outstanding = new Set<RequestId>();
    const seenOrder: unknown[] = [];
    let maxOutstanding = 0;
    peer.onmessage = (value) => {
      const m = value as { id: RequestId; params: { n: number } };
      outstanding.add(m.id);
      seenOrder.push(m.params.n);
      maxOutstanding = Math.max(maxOutstanding, outstanding.size);
      setTimeout(() => {
        outstanding.delete(m.id);
        void peer.send({ id: m.id, result: { n: m.params.n } });
      }, 5);
    };
    const completed: number[] = [];
    const requests = [0, 1, 2, 3, 4].map((n) =>
      conn.request<{ n: number }>('work', { n }).then((r) => {
        completed.push(r.n);
        return r.n;
      }),
    );
    await settle(1);
    expect(outstanding.size).toBe(2);
    await expect(Promise.all(requests)).resolves.toEqual([0, 1, 2, 3, 4]);
    expect(maxOutstanding).toBe(2);
    expect(seenOrder).toEqual([0, 1, 2, 3, 4]);
    expect(completed).toEqual([0, 1, 2, 3, 4]);
    expect(conn.pendingCount).toBe(0);
  });

  it('cancels a request still waiting for a slot without sending it', async () => {
    const { conn, received, send } = await withRawPeer({ maxInFlight: 1 });
    const first = conn.request('one');
    const controller = new AbortController();
    const queued = conn.request('two', undefined, { signal: controller.signal });
    const third = conn.request('three');
    await settle();
    expect(received.map((m) => m['method'])).toEqual(['one']);
    controller.abort();
    await connectionErrorOf(queued, 'cancelled');
    await send({ id: 1, result: 1 });
    await expect(first).resolves.toBe(1);
    await until(() => received.length === 2, 'the third request');
    expect(received.map((m) => m['method'])).toEqual(['one', 'three']);
    await send({ id: received[1]?.['id'], result: 3 });
    await expect(third).resolves.toBe(3);
  });

  // Regression: an abort landing after a queued request was granted its slot (grant() had removed the
  // abort listener) but before sendRequest() added its own was missed — addEventListener('abort') on an
  // already-aborted signal never fires — so the request was sent anyway and ended only by timeout.
  it('honours an abort that fires between the slot grant and the send (queued request)', async () => {
    const { conn, received, send } = await withRawPeer({ maxInFlight: 1 });
    const controller = new AbortController();
    // Aborting in the first request's continuation lands exactly in that window.
    const first = conn.request('first').then((v) => {
      controller.abort();
      return v;
    });
    const second = conn.request('second', undefined, { signal: controller.signal, timeoutMs: 300 });
    await until(() => received.length === 1, 'the first request');
    await send({ id: 1, result: 'one' });
    await expect(first).resolves.toBe('one');
    const error = await rejectionOf(second);
    expect(received.map((m) => m['method'])).toEqual(['first']);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).code).toBe('cancelled');
  });

  it('rejects requests still waiting for a slot with closed on close', async () => {
    const { conn, received } = await withRawPeer({ maxInFlight: 1 });
    const first = conn.request('one');
    const queued = conn.request('two');
    await settle();
    await conn.close();
    await connectionErrorOf(first, 'closed');
    await connectionErrorOf(queued, 'closed');
    expect(received.map((m) => m['method'])).toEqual(['one']);
    expect(conn.pendingCount).toBe(0);
  });

  it('delivers notifications to every listener; a throwing listener does not stop the others', async () => {
    const { a, b, errorsB } = await linkedConnections();
    const first: NotificationMessage[] = [];
    const third: NotificationMessage[] = [];
    b.onNotification((m) => first.push(m));
    b.onNotification(() => {
      throw new Error('listener bug');
    });
    const disposable = b.onNotification((m) => third.push(m));
    await a.notify('turn/started', { threadId: 't1' });
    await a.notify('initialized');
    await until(() => third.length === 2, 'two notifications');
    expect(first).toEqual([{ method: 'turn/started', params: { threadId: 't1' } }, { method: 'initialized' }]);
    expect(third).toEqual(first);
    expect(errorsB).toHaveLength(2);
    // The listener's own error, as thrown: the engine reports it without wrapping it in its own codes.
    expect(errorsB[0]).toBeInstanceOf(Error);
    expect(errorsB[0]?.message).toBe('listener bug');
    disposable.dispose();
    await a.notify('again');
    await until(() => first.length === 3, 'a third notification');
    expect(third).toHaveLength(2);
  });

  it('reports non-object and shapeless messages through onError as protocol errors', async () => {
    const { conn, local, errors, received } = await withRawPeer();
    local.deliverRaw('42');
    local.deliverRaw('"hello"');
    local.deliverRaw('[{"id":1,"method":"x"}]');
    local.deliverRaw('{"id":1}');
    local.deliverRaw('null');
    expect(errors).toHaveLength(5);
    for (const e of errors) {
      expect(e).toBeInstanceOf(ConnectionError);
      expect((e as ConnectionError).code).toBe('protocol');
    }
    expect(errors[0]?.message).toContain('42');
    await settle();
    expect(received).toEqual([]);
    expect(conn.closed).toBe(false);
  });

  it('passes an unparsable raw frame to onError', async () => {
    const { conn, local, errors } = await withRawPeer();
    local.deliverRaw('{not json');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(SyntaxError);
    expect(conn.closed).toBe(false);
  });

  it('accepts messages that carry "jsonrpc":"2.0" as well as ones without it', async () => {
    const { conn, received, send } = await withRawPeer();
    const notes: NotificationMessage[] = [];
    conn.onNotification((m) => notes.push(m));
    conn.onRequest('x', () => 'handled');
    const withField = conn.request('a');
    const without = conn.request('b');
    await send({ jsonrpc: '2.0', id: 1, result: { with: true } });
    await send({ id: 2, result: { with: false } });
    await expect(withField).resolves.toEqual({ with: true });
    await expect(without).resolves.toEqual({ with: false });

    const failing = conn.request('c');
    await send({ jsonrpc: '2.0', id: 3, error: { code: -32602, message: 'bad params' } });
    expect((await rpcErrorOf(failing)).code).toBe(-32602);

    await send({ jsonrpc: '2.0', method: 'n', params: { v: 1 } });
    await send({ jsonrpc: '2.0', id: 'q', method: 'x' });
    await until(() => notes.length === 1 && received.length === 4, 'the notification and the response');
    expect(notes[0]).toMatchObject({ method: 'n', params: { v: 1 } });
    expect(received[3]).toEqual({ id: 'q', result: 'handled' });
  });
});
