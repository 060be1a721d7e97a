import { ConnectionError } from './connectionError.js';
import { classify, readWireError, type Message, type NotificationMessage, type RequestId, type RequestMessage, type WireError } from './message.js';
import { RPC_CODES, RpcError } from './rpcError.js';
import type { Transport, UnreadFrame } from './transport.js';

export interface RequestOptions {
  signal?: AbortSignal;
  /** Overrides the connection's default timeout; 0 waits forever. */
  timeoutMs?: number;
}

/** Answers one incoming request; its return value is the result, a throw becomes an error response. */
export type RequestHandler = (params: unknown, context: { id: RequestId; method: string; signal: AbortSignal }) => unknown;

export interface ConnectionOptions {
  /** Default per-request timeout in ms (0 = none). */
  requestTimeoutMs?: number;
  /** Most requests awaiting an answer at once; further ones wait their turn in order. */
  maxInFlight?: number;
  /** Adds `"jsonrpc":"2.0"` to outgoing messages (codex neither needs nor sends it). */
  jsonrpcField?: boolean;
  peerName?: string;
  /**
   * Turns anything an incoming-request handler throws (other than RpcError) into the wire error
   * sent back; the default answers -32603 with the error's message. The caller's error table lives there.
   */
  errorToWire?: (error: unknown) => WireError;
  /**
   * The notification (params `{id}`) that cancels a request, in both directions: an aborted
   * outgoing request sends it, an incoming one aborts that handler's signal. Unset: no cancel is
   * sent and such a notification is an ordinary one (codex has none).
   */
  cancelMethod?: string;
}

export interface Disposable {
  dispose(): void;
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}

const internalWireError = (error: unknown): WireError => ({ code: RPC_CODES.internalError, message: asError(error).message });

interface Pending {
  method: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  cleanup: () => void;
}

/**
 * Correlates requests and responses over a Transport: ids, a pending map, timeouts, AbortSignal,
 * incoming requests and notifications, cancellation. Knows nothing about codex or dispatch: its
 * failures are ConnectionErrors. On close every pending request fails with `closed`, and every
 * incoming handler's signal is aborted.
 */
export class JsonRpcConnection {
  private nextId = 1;
  private readonly pending = new Map<RequestId, Pending>();
  private readonly handlers = new Map<string, RequestHandler>();
  private fallbackHandler: RequestHandler | undefined;
  private readonly notificationListeners = new Set<(message: NotificationMessage) => void>();
  private readonly requestObservers = new Set<(message: RequestMessage) => void>();
  private readonly errorListeners = new Set<(error: Error) => void>();
  private readonly closeListeners = new Set<(reason: Error) => void>();
  private readonly incoming = new Map<RequestId, AbortController>();
  private readonly waiting: Array<() => void> = [];
  private inFlight = 0;
  private closeReason: Error | undefined;
  private readonly requestTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly jsonrpcField: boolean;
  private readonly errorToWire: (error: unknown) => WireError;
  private readonly cancelMethod: string | undefined;
  /** Requests this side cancelled: their late answers are expected and dropped quietly. */
  private readonly cancelledIds = new Set<RequestId>();
  readonly peerName: string;

  private readonly transport: Transport;

  constructor(transport: Transport, options: ConnectionOptions = {}) {
    this.transport = transport;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.maxInFlight = options.maxInFlight ?? 64;
    this.jsonrpcField = options.jsonrpcField ?? false;
    this.peerName = options.peerName ?? 'peer';
    this.errorToWire = options.errorToWire ?? internalWireError;
    this.cancelMethod = options.cancelMethod;
    transport.onmessage = (message) => this.receive(message);
    transport.onerror = (error) => this.emitError(error);
    transport.onunreadable = (frame) => this.handleUnreadable(frame);
    transport.onclose = (reason) => this.handleClose(reason ?? new ConnectionError('closed', `connection to ${this.peerName} closed`));
  }

  async start(): Promise<void> {
    await this.transport.start();
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  /** Requests sent and not yet answered. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /** Sends a request and resolves with its result; rejects with RpcError for a wire error, ConnectionError otherwise. */
  async request<TResult = unknown>(method: string, params?: unknown, options: RequestOptions = {}): Promise<TResult> {
    if (this.closeReason) throw this.closedError();
    if (options.signal?.aborted) throw new ConnectionError('cancelled', `${method} was cancelled`, { cause: options.signal.reason });
    await this.acquireSlot(options.signal);
    try {
      return (await this.sendRequest(method, params, options)) as TResult;
    } finally {
      this.releaseSlot();
    }
  }

  private sendRequest(method: string, params: unknown, options: RequestOptions): Promise<unknown> {
    if (this.closeReason) return Promise.reject(this.closedError());
    // The signal may have fired while the request waited for a slot.
    if (options.signal?.aborted) return Promise.reject(new ConnectionError('cancelled', `${method} was cancelled`, { cause: options.signal.reason }));
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
      let timer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        this.pending.delete(id);
        cleanup();
        this.sendCancel(id);
        reject(new ConnectionError('cancelled', `${method} was cancelled`, { cause: options.signal?.reason }));
      };
      const cleanup = (): void => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          this.pending.delete(id);
          cleanup();
          reject(new ConnectionError('timeout', `${this.peerName} did not answer ${method} within ${timeoutMs} ms`, { data: { method, timeoutMs } }));
        }, timeoutMs);
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, { method, resolve, reject, cleanup });
      const message: RequestMessage = params === undefined ? { id, method } : { id, method, params };
      this.transport.send(this.frame(message)).catch((error: unknown) => {
        if (!this.pending.delete(id)) return;
        cleanup();
        reject(error instanceof ConnectionError ? error : new ConnectionError('closed', `writing ${method} to ${this.peerName} failed: ${asError(error).message}`, { cause: error }));
      });
    });
  }

  /** Sends a notification (fire and forget, but write errors surface). */
  async notify(method: string, params?: unknown): Promise<void> {
    if (this.closeReason) throw this.closedError();
    await this.transport.send(this.frame(params === undefined ? { method } : { method, params }));
  }

  /** Handles incoming requests of one method. */
  onRequest(method: string, handler: RequestHandler): Disposable {
    this.handlers.set(method, handler);
    return { dispose: () => this.handlers.delete(method) };
  }

  /** Handles incoming requests no method handler claims; without one they get -32601. */
  onUnhandledRequest(handler: RequestHandler): Disposable {
    this.fallbackHandler = handler;
    return { dispose: () => (this.fallbackHandler = undefined) };
  }

  onNotification(listener: (message: NotificationMessage) => void): Disposable {
    this.notificationListeners.add(listener);
    return { dispose: () => this.notificationListeners.delete(listener) };
  }

  /** Sees every incoming request before its handler runs (for logging and projections). */
  onRequestObserved(listener: (message: RequestMessage) => void): Disposable {
    this.requestObservers.add(listener);
    return { dispose: () => this.requestObservers.delete(listener) };
  }

  /** Recoverable faults: malformed lines, responses to unknown ids, throwing listeners. */
  onError(listener: (error: Error) => void): Disposable {
    this.errorListeners.add(listener);
    return { dispose: () => this.errorListeners.delete(listener) };
  }

  onClose(listener: (reason: Error) => void): Disposable {
    if (this.closeReason) {
      const reason = this.closeReason;
      queueMicrotask(() => listener(reason));
    }
    this.closeListeners.add(listener);
    return { dispose: () => this.closeListeners.delete(listener) };
  }

  async close(): Promise<void> {
    await this.transport.close();
    this.handleClose(new ConnectionError('closed', `connection to ${this.peerName} closed`));
  }

  /** Tells the peer a frame it sent could not be read (JSON-RPC's id-null error response). */
  async reportUnreadable(error: Error): Promise<void> {
    if (this.closeReason) return;
    const frame = { id: null, error: { code: RPC_CODES.parseError, message: error.message, data: { code: 'protocol' } } };
    await this.transport.send(frame as unknown as Message).catch(() => undefined);
  }

  private frame(message: Message): Message {
    return this.jsonrpcField ? { jsonrpc: '2.0', ...message } : message;
  }

  private closedError(): ConnectionError {
    const reason = this.closeReason;
    return reason instanceof ConnectionError && reason.code === 'closed'
      ? reason
      : new ConnectionError('closed', `connection to ${this.peerName} is closed`, { cause: reason });
  }

  /** Tells the peer this side gave up on a request (best effort: the answer is dropped either way). */
  private sendCancel(id: RequestId): void {
    if (this.cancelMethod === undefined || this.closeReason) return;
    this.cancelledIds.add(id);
    this.transport.send(this.frame({ method: this.cancelMethod, params: { id } })).catch(() => this.cancelledIds.delete(id));
  }

  /** The peer gave up on a request it sent: its handler's signal aborts. */
  private handleCancel(params: unknown): void {
    const id = typeof params === 'object' && params !== null ? (params as { id?: unknown }).id : undefined;
    if (typeof id !== 'string' && typeof id !== 'number') return;
    this.incoming.get(id)?.abort(new ConnectionError('cancelled', `${this.peerName} cancelled request ${String(id)}`));
  }

  private async acquireSlot(signal?: AbortSignal): Promise<void> {
    if (this.inFlight < this.maxInFlight) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const index = this.waiting.indexOf(grant);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(new ConnectionError('cancelled', 'request cancelled while waiting for a free slot'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
    if (this.closeReason) {
      this.releaseSlot();
      throw this.closedError();
    }
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    if (next) next(); // the slot passes straight to the next waiter
    else this.inFlight--;
  }

  private receive(value: unknown): void {
    switch (classify(value)) {
      case 'response':
        this.handleResponse(value as { id: RequestId; result?: unknown; error?: unknown });
        return;
      case 'request':
        void this.handleRequest(value as RequestMessage);
        return;
      case 'notification':
        if (this.cancelMethod !== undefined && (value as NotificationMessage).method === this.cancelMethod) {
          this.handleCancel((value as NotificationMessage).params);
          return;
        }
        for (const listener of this.notificationListeners) {
          try {
            listener(value as NotificationMessage);
          } catch (error) {
            this.emitError(asError(error));
          }
        }
        return;
      default:
        this.emitError(new ConnectionError('protocol', `unexpected message from ${this.peerName}: ${preview(value)}`));
    }
  }

  private handleResponse(message: { id: RequestId; result?: unknown; error?: unknown }): void {
    const entry = this.pending.get(message.id);
    if (!entry) {
      // The answer to a request this side cancelled: expected, dropped quietly.
      if (this.cancelledIds.delete(message.id)) return;
      // A late answer to a request that timed out: dropped by design, but worth a report.
      this.emitError(new ConnectionError('protocol', `${this.peerName} answered unknown request id ${String(message.id)}`));
      return;
    }
    this.pending.delete(message.id);
    entry.cleanup();
    if ('error' in message && message.error !== undefined) entry.reject(new RpcError(entry.method, readWireError(message.error)));
    else entry.resolve(message.result);
  }

  /**
   * A frame too large to read was dropped: always reported (`data.oversized`); the request it
   * answered fails now instead of waiting out its timeout, and a request it was gets an error answer
   * so the peer does not wait for one forever.
   */
  private handleUnreadable(frame: UnreadFrame): void {
    const entry = frame.id !== undefined && frame.method === undefined ? this.pending.get(frame.id) : undefined;
    const method = frame.method ?? entry?.method;
    const what = entry ? `the answer to ${entry.method}` : frame.method !== undefined ? `a ${frame.method} ${frame.id === undefined ? 'notification' : 'request'}` : 'a line';
    const data = { oversized: frame.bytes, max_line_bytes: frame.maxBytes, ...(method === undefined ? {} : { method }) };
    const error = new ConnectionError('protocol', `${this.peerName} sent ${what} of ${frame.bytes} bytes, over the limit of ${frame.maxBytes}; it was dropped unread`, { data });
    this.emitError(error);
    if (entry && frame.id !== undefined) {
      this.pending.delete(frame.id);
      entry.cleanup();
      entry.reject(error);
    } else if (frame.id !== undefined && frame.method !== undefined) {
      void this.respondError(frame.id, RPC_CODES.invalidRequest, `${frame.method} request of ${frame.bytes} bytes is over the limit of ${frame.maxBytes}; it was not read`);
    }
  }

  private async handleRequest(message: RequestMessage): Promise<void> {
    for (const observer of this.requestObservers) {
      try {
        observer(message);
      } catch (error) {
        this.emitError(asError(error));
      }
    }
    const handler = this.handlers.get(message.method) ?? this.fallbackHandler;
    if (!handler) {
      await this.respondError(message.id, RPC_CODES.methodNotFound, `dispatch has no handler for ${message.method}`);
      return;
    }
    const controller = new AbortController();
    this.incoming.set(message.id, controller);
    try {
      const result = await handler(message.params, { id: message.id, method: message.method, signal: controller.signal });
      if (!this.closeReason) await this.transport.send(this.frame({ id: message.id, result: result ?? {} }));
    } catch (error) {
      if (error instanceof RpcError) await this.respondError(message.id, error.code, error.message, error.data);
      else {
        const wire = this.errorToWire(error);
        await this.respondError(message.id, wire.code, wire.message, wire.data);
      }
    } finally {
      this.incoming.delete(message.id);
    }
  }

  private async respondError(id: RequestId, code: number, message: string, data?: unknown): Promise<void> {
    if (this.closeReason) return;
    const error = data === undefined ? { code, message } : { code, message, data };
    await this.transport.send(this.frame({ id, error })).catch((e: unknown) => this.emitError(asError(e)));
  }

  private emitError(error: Error): void {
    for (const listener of this.errorListeners) {
      try {
        listener(error);
      } catch {
        // An error reporter that throws must not take the read loop (and the process) down.
      }
    }
  }

  private handleClose(reason: Error): void {
    if (this.closeReason) return;
    this.closeReason = reason;
    const error = this.closedError();
    for (const [id, entry] of this.pending) {
      this.pending.delete(id);
      entry.cleanup();
      entry.reject(error);
    }
    this.cancelledIds.clear();
    for (const controller of this.incoming.values()) controller.abort(error);
    for (const grant of this.waiting.splice(0)) grant();
    for (const listener of this.closeListeners) listener(error);
  }
}

/**
 * The start of a message for an error text. A hostile peer's message may nest deeper than
 * JSON.stringify can recurse (a 10 KB line of brackets): that must not throw out of the receive path.
 */
function preview(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? String(value)).slice(0, 200);
  } catch {
    return '(a message too deeply nested to print)';
  }
}
