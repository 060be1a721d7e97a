import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { JsonRpcConnection } from '../jsonrpc/connection.js';
import { StreamTransport } from '../jsonrpc/streamTransport.js';
import { DispatchError, wireErrorOf } from '../shared/errors.js';
import { loadPeerCredentials, peerCredentials } from './peerCredentials.js';
import type { HomeMode } from '../control/homeMode.js';
import {
  CONTROL_CANCEL_METHOD,
  CONTROL_PROTOCOL_VERSION,
  SUBSCRIPTION_ENDED_METHOD,
  localOpHashes,
  localOpName,
  type CallParams,
  type EventNotification,
  type HelloParams,
  type DashboardResult,
  type HelloResult,
  type SubscribeParams,
  type SubscribeResult,
  type SubscriptionEndedNotification,
} from '../control/protocol.js';
import { isRecord } from '../shared/records.js';
import { startSubscription, type Subscription, type SubscriptionSource } from './subscription.js';
import { CONTROL_LIMITS, discardInput, limitError, refuseConnection } from './controlLimits.js';
import { ConnectionError } from '../jsonrpc/connectionError.js';

export interface ControlHandlers extends SubscriptionSource {
  version: string;
  mode: HomeMode;
  call(params: CallParams, signal: AbortSignal): Promise<unknown>;
  busyLanes(): number;
  /** Resolves a lane selector to its id, for subscriptions. */
  resolveLane(selector: string): string;
  shutdown(): void;
  /** The web dashboard's address (and token), listening from the first call on. */
  dashboard(): Promise<DashboardResult>;
  log(level: 'info' | 'warn', message: string, data?: Record<string, unknown>): void;
}

/**
 * Serves the control socket: one JsonRpcConnection per client. Malformed frames get a typed
 * error (or, for unparseable lines, a log entry) and never take the daemon down. Every limit
 * (controlLimits.ts) is refused with a typed `limit_exceeded` error.
 */
export class ControlServer {
  private readonly server: net.Server;
  private readonly connections = new Set<JsonRpcConnection>();
  /** Each open connection's transport, to bound the bytes of half-sent lines held across them. */
  private readonly transports = new Set<StreamTransport>();
  private readonly handlers: ControlHandlers;
  /** Connections past maxConnections still being told so. */
  private refusing = 0;

  constructor(handlers: ControlHandlers) {
    this.handlers = handlers;
    loadPeerCredentials(); // refuse to serve at all rather than serve unchecked
    this.server = net.createServer((socket) => {
      if (this.admit(socket)) this.accept(socket);
    });
  }

  /**
   * Only the daemon's own user may talk to it: the socket's 0600 mode is checked by the kernel
   * at connect time only, so the peer's uid (SO_PEERCRED) is checked on every connection too.
   */
  private admit(socket: net.Socket): boolean {
    const ownUid = process.getuid?.();
    let peer: { uid: number; pid: number } | undefined;
    try {
      peer = peerCredentials(socket);
    } catch (error) {
      this.handlers.log('warn', 'control.peer_unknown', { error: (error as Error).message });
    }
    if (peer && ownUid !== undefined && peer.uid === ownUid) return true;
    this.handlers.log('warn', 'control.peer_refused', { peer_uid: peer?.uid ?? null, peer_pid: peer?.pid ?? null, daemon_uid: ownUid ?? null });
    socket.destroy();
    return false;
  }

  /** Binds the socket (0600 in a 0700 directory). The caller holds the home's lock already. */
  async listen(socketPath: string): Promise<void> {
    // Create the directory private; never chmod one that already existed (DISPATCH_SOCKET may point into /tmp).
    mkdirSync(path.dirname(socketPath), { recursive: true, mode: 0o700 });
    // A socket file left by a dead daemon: safe to remove because we hold the lock.
    if (existsSync(socketPath)) unlinkSync(socketPath);
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    chmodSync(socketPath, 0o600);
  }

  /**
   * A connection past maxConnections: its first request (the client's hello) is answered with the
   * typed refusal, so the client reports `limit_exceeded`, not a dropped connection; then it is closed.
   */
  private refuseOverLimit(socket: net.Socket): void {
    const error = limitError('maxConnections', `dispatchd already serves ${CONTROL_LIMITS.maxConnections} connections; close some (MCP servers, \`lane follow\`s) and retry`);
    this.handlers.log('warn', 'control.connection_refused', { code: error.code, limit: 'maxConnections' });
    if (this.refusing >= CONTROL_LIMITS.maxRefusing) {
      socket.destroy();
      return;
    }
    this.refusing++;
    socket.once('close', () => this.refusing--);
    const connection = new JsonRpcConnection(new StreamTransport(socket, socket, { peerName: 'control client', maxLineBytes: CONTROL_LIMITS.maxLineBytesBeforeHello }), {
      requestTimeoutMs: 0,
      peerName: 'control client',
      errorToWire: wireErrorOf,
    });
    connection.onUnhandledRequest(() => {
      setImmediate(() => refuseConnection(socket, error));
      throw error;
    });
    connection.onClose(() => socket.destroy());
    // A client that sends nothing is told after as long as it would have had to say hello.
    setTimeout(() => refuseConnection(socket, error), CONTROL_LIMITS.helloTimeoutMs).unref();
    void connection.start();
  }

  /** Bytes of half-sent lines held across connections (a line past its cap is discarded, not held). */
  private bufferedBytes(): number {
    let total = 0;
    for (const t of this.transports) total += Math.min(t.pendingBytes, CONTROL_LIMITS.maxLineBytes);
    return total;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async close(): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.close()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    if (this.connections.size >= CONTROL_LIMITS.maxConnections) {
      this.refuseOverLimit(socket);
      return;
    }
    const transport = new StreamTransport(socket, socket, {
      peerName: 'control client',
      maxLineBytes: CONTROL_LIMITS.maxLineBytesBeforeHello,
      maxQueuedBytes: CONTROL_LIMITS.maxQueuedBytesPerConnection,
      onOverflow: (queuedBytes) => letSlowReaderGo(queuedBytes),
      onHanded: (message) => noteHanded(message),
    });
    const connection = new JsonRpcConnection(transport, {
      requestTimeoutMs: 0,
      peerName: 'control client',
      errorToWire: wireErrorOf,
      cancelMethod: CONTROL_CANCEL_METHOD,
    });
    this.connections.add(connection);
    this.transports.add(transport);
    const subscriptions = new Map<string, Subscription>();
    /**
     * Each subscription's last seq handed to the socket. A send resolves only once the socket drains,
     * so the subscription's own `lastSent` can trail a line the peer will still read; a peer let go
     * is told this one, and resuming from it repeats nothing.
     */
    const handedSeq = new Map<string, number>();
    const noteHanded = (message: unknown): void => {
      if (!isRecord(message) || message['method'] !== 'event' || !isRecord(message['params'])) return;
      const { subscription, seq } = message['params'];
      if (typeof subscription === 'string' && typeof seq === 'number' && seq > (handedSeq.get(subscription) ?? -1)) handedSeq.set(subscription, seq);
    };
    let greeted = false;
    /**
     * A peer that stopped reading: its queued lines are dropped, each subscription is told its last
     * seq (to resume from the log with `since`), and the connection ends; memory held for it is freed.
     */
    const letSlowReaderGo = (queuedBytes: number): void => {
      const max = CONTROL_LIMITS.maxQueuedBytesPerConnection;
      const ended = [...subscriptions].map(([id, started]) => {
        const subscription = { lastSent: Math.max(started.lastSent, handedSeq.get(id) ?? -1) };
        const error = limitError('maxQueuedBytesPerConnection', `dispatchd ended this subscription: the client read too slowly (${queuedBytes} bytes waited, over the limit of ${max}); it was sent every fact up to seq ${subscription.lastSent}: resume with since ${subscription.lastSent} (\`dispatch events --since ${subscription.lastSent}\`)`, {
          last_seq: subscription.lastSent,
        });
        const params: SubscriptionEndedNotification = { subscription: id, last_seq: subscription.lastSent, error: wireErrorOf(error) };
        return { method: SUBSCRIPTION_ENDED_METHOD, params };
      });
      for (const subscription of subscriptions.values()) subscription.dispose();
      subscriptions.clear();
      this.handlers.log('warn', 'control.slow_consumer', { queued_bytes: queuedBytes, max, subscriptions: ended.length });
      discardInput(socket, CONTROL_LIMITS.slowConsumerGraceMs);
      transport.endDroppingQueued(ended, new ConnectionError('closed', `the control client read too slowly (over ${max} bytes waited); it was let go`));
    };
    const refuse = (error: DispatchError): void => {
      this.handlers.log('warn', 'control.connection_refused', { code: error.code, limit: typeof error.data?.['limit'] === 'string' ? error.data['limit'] : null });
      refuseConnection(socket, error);
      void connection.close();
    };
    const helloTimer = setTimeout(
      () => refuse(new DispatchError('timeout', `no hello within ${CONTROL_LIMITS.helloTimeoutMs} ms; a control client says hello first`, { data: { limit: 'helloTimeoutMs' } })),
      CONTROL_LIMITS.helloTimeoutMs,
    );
    helloTimer.unref();
    connection.onClose(() => {
      clearTimeout(helloTimer);
      this.connections.delete(connection);
      this.transports.delete(transport);
      for (const s of subscriptions.values()) s.dispose();
      subscriptions.clear();
      // A refusal is still draining its error frame; refuseConnection destroys the socket after it.
      if (!socket.writableEnded) socket.destroy();
    });
    connection.onError((error) => {
      if (error instanceof ConnectionError && error.data?.['oversized'] !== undefined) return; // refused as it grew past the cap
      this.handlers.log('warn', 'control.bad_frame', { error: error.message });
      void connection.reportUnreadable(error);
    });
    connection.onUnhandledRequest((_params, context) => {
      throw new DispatchError('not_found', `unknown control method '${context.method}' (the control socket has hello, call, subscribe, unsubscribe, dashboard, shutdown)`, { data: { method: context.method } });
    });
    const requireHello = (method: string): void => {
      if (!greeted) throw new DispatchError('protocol', `${method} before hello: a control client says hello first`, { data: { method } });
    };

    connection.onRequest('hello', async (params): Promise<HelloResult> => {
      if (!isRecord(params) || typeof params['protocol'] !== 'number') throw new DispatchError('validation', 'hello needs {protocol, version, op_hashes}');
      const hello = params as unknown as HelloParams;
      if (hello.protocol !== CONTROL_PROTOCOL_VERSION) {
        throw new DispatchError('version_skew', `control protocol ${hello.protocol} is not supported (daemon speaks ${CONTROL_PROTOCOL_VERSION})`);
      }
      greeted = true;
      clearTimeout(helloTimer);
      transport.maxLineBytes = CONTROL_LIMITS.maxLineBytes;
      return { protocol: CONTROL_PROTOCOL_VERSION, version: this.handlers.version, pid: process.pid, op_hashes: await localOpHashes(), busy_lanes: this.handlers.busyLanes(), mode: this.handlers.mode };
    });
    connection.onRequest('call', async (params, context) => {
      requireHello('call');
      if (!isRecord(params) || typeof params['op'] !== 'string' || typeof params['input_hash'] !== 'string' || typeof params['cwd'] !== 'string') {
        throw new DispatchError('validation', 'call needs {op, input, input_hash, cwd}');
      }
      const asked = params as unknown as CallParams;
      const op = await localOpName(asked.op);
      const local = op === undefined ? undefined : (await localOpHashes())[op];
      if (op === undefined || local === undefined) throw new DispatchError('not_found', `unknown op '${asked.op}'`);
      // Past this point the call carries the op's name, whichever name (or old alias) the caller used.
      const call: CallParams = { ...asked, op };
      if (local !== call.input_hash) {
        throw new DispatchError('version_skew', `op '${call.op}' has a different input schema in this daemon (dispatchd ${this.handlers.version}); restart it with \`dispatch down && dispatch up\``, {
          data: { op: call.op, daemon_version: this.handlers.version },
        });
      }
      if (!path.isAbsolute(call.cwd)) throw new DispatchError('validation', 'call.cwd must be an absolute path');
      try {
        return await this.handlers.call(call, context.signal);
      } finally {
        if (context.signal.aborted) this.handlers.log('info', 'control.call_cancelled', { op: call.op, reason: (context.signal.reason as Error | undefined)?.message ?? null });
      }
    });
    connection.onRequest('subscribe', (params) => {
      requireHello('subscribe');
      const asked = (isRecord(params) ? params : {}) as SubscribeParams;
      const selectors = [...(typeof asked.lane === 'string' ? [asked.lane] : []), ...(Array.isArray(asked.lanes) ? asked.lanes : [])];
      if (selectors.some((s) => typeof s !== 'string')) throw new DispatchError('validation', 'subscribe.lanes must be lane selectors');
      if (asked.since !== undefined && (!Number.isSafeInteger(asked.since) || asked.since < 0)) throw new DispatchError('validation', 'subscribe.since must be a sequence number (an integer ≥ 0)');
      if (asked.subscription !== undefined && (typeof asked.subscription !== 'string' || asked.subscription.length === 0)) {
        throw new DispatchError('validation', 'subscribe.subscription must be a non-empty string (the id the client files notifications under)');
      }
      const id = asked.subscription ?? randomUUID();
      if (subscriptions.has(id)) throw new DispatchError('conflict', `subscription '${id}' already exists on this connection`);
      if (subscriptions.size >= CONTROL_LIMITS.maxSubscriptionsPerConnection) {
        throw limitError('maxSubscriptionsPerConnection', `this connection already has ${subscriptions.size} subscriptions; unsubscribe some first`);
      }
      const started = startSubscription(this.handlers, {
        ...(selectors.length > 0 ? { lanes: selectors.map((s) => this.handlers.resolveLane(s)) } : {}),
        ...(asked.since === undefined ? {} : { since: asked.since }),
        send: (entry) => connection.notify('event', { subscription: id, seq: entry.seq, at: entry.at, event: entry.event } satisfies EventNotification),
        onError: (error) => this.handlers.log('warn', 'control.subscription_failed', { subscription: id, error: error.message }),
      });
      subscriptions.set(id, started);
      return { subscription: id, latest_seq: started.latest, oldest_seq: started.oldest, missed: started.missed } satisfies SubscribeResult;
    });
    connection.onRequest('unsubscribe', (params) => {
      requireHello('unsubscribe');
      const id = isRecord(params) ? params['subscription'] : undefined;
      if (typeof id === 'string') {
        subscriptions.get(id)?.dispose();
        subscriptions.delete(id);
        handedSeq.delete(id);
      }
      return {};
    });
    connection.onRequest('dashboard', async (): Promise<DashboardResult> => {
      requireHello('dashboard');
      return this.handlers.dashboard();
    });
    connection.onRequest('shutdown', () => {
      requireHello('shutdown');
      setImmediate(() => this.handlers.shutdown());
      return {};
    });
    void connection.start();
    // After the transport's own listener (registered by start): a line is refused as soon as it
    // grows past the cap, not when (if ever) its newline arrives.
    socket.on('data', () => {
      const cap = greeted ? CONTROL_LIMITS.maxLineBytes : CONTROL_LIMITS.maxLineBytesBeforeHello;
      if (transport.pendingBytes > cap) {
        refuse(limitError(greeted ? 'maxLineBytes' : 'maxLineBytesBeforeHello', `a control frame over ${cap} bytes was refused; the connection is closed`));
      } else if (transport.pendingBytes > 0 && this.bufferedBytes() > CONTROL_LIMITS.maxBufferedBytes) {
        refuse(limitError('maxBufferedBytes', `dispatchd holds over ${CONTROL_LIMITS.maxBufferedBytes} bytes of unfinished frames; this connection's was refused`));
      }
    });
  }
}
