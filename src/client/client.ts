import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { JsonRpcConnection, type Disposable } from '../jsonrpc/connection.js';
import { RpcError } from '../jsonrpc/rpcError.js';
import { StreamTransport } from '../jsonrpc/streamTransport.js';
import { DispatchError, ERROR_TABLE, isErrorCode, toDispatchError } from '../shared/errors.js';
import { processAlive } from '../shared/processAlive.js';
import { DAEMON_STARTUP_MARGIN_MS, initializeTimeoutMs } from '../shared/startup.js';
import { DISPATCH_VERSION } from '../shared/version.js';
import type { DispatchPaths } from '../control/paths.js';
import {
  CONTROL_CANCEL_METHOD,
  CONTROL_PROTOCOL_VERSION,
  SUBSCRIPTION_ENDED_METHOD,
  localOpHashes,
  type DashboardResult,
  type EventNotification,
  type FeedEntry,
  type HelloResult,
  type SubscribeParams,
  type SubscribeResult,
  type SubscriptionEndedNotification,
} from '../control/protocol.js';
import type { DaemonMode } from '../control/homeMode.js';
import { spawnDaemonProcess, type SpawnedDaemon } from './dispatchdProcess.js';
import { assertSafeHome, preparePrivateHome } from '../control/homeSecurity.js';

export interface CallOptions {
  signal?: AbortSignal;
  /** The caller's cwd (absolute); defaults to process.cwd(). */
  cwd?: string;
  timeoutMs?: number;
}

/** The DispatchError a wire error's `data.code` names. */
function fromWireError(message: string, data: Record<string, unknown>): DispatchError {
  const { code, ...rest } = data;
  return new DispatchError(isErrorCode(code) ? code : 'internal', message, { data: rest });
}

/** Turns a control-protocol error back into the DispatchError the daemon raised; engine errors map by their code. */
function fromWire(error: unknown): unknown {
  if (!(error instanceof RpcError)) return toDispatchError(error);
  return fromWireError(error.message, (error.data ?? {}) as Record<string, unknown>);
}

/** What a subscriber gets: each entry, then (when the daemon ends the subscription) why, with `data.last_seq`. */
interface SubscriptionListeners {
  entry(entry: FeedEntry): void;
  ended?: ((error: DispatchError) => void) | undefined;
}

/** One connection to a running dispatchd: the hello exchange, then op calls and subscriptions. */
export class DaemonClient {
  readonly hello: HelloResult;
  private readonly connection: JsonRpcConnection;
  private readonly localHashes: Record<string, string>;
  private readonly subscriptions = new Map<string, SubscriptionListeners>();

  private constructor(connection: JsonRpcConnection, hello: HelloResult, localHashes: Record<string, string>) {
    this.connection = connection;
    this.hello = hello;
    this.localHashes = localHashes;
    connection.onNotification((message) => {
      if (message.method === SUBSCRIPTION_ENDED_METHOD) {
        const params = message.params as Partial<SubscriptionEndedNotification> | undefined;
        if (!params?.subscription) return;
        const listeners = this.subscriptions.get(params.subscription);
        this.subscriptions.delete(params.subscription);
        listeners?.ended?.(fromWireError(params.error?.message ?? 'dispatchd ended the subscription', { ...(params.error?.data ?? {}), last_seq: params.last_seq ?? null }));
        return;
      }
      if (message.method !== 'event') return;
      const params = message.params as Partial<EventNotification> | undefined;
      if (!params?.subscription || !params.event) return;
      this.subscriptions.get(params.subscription)?.entry({ seq: params.seq ?? null, at: params.at ?? '', event: params.event as FeedEntry['event'] });
    });
  }

  /** Connects and says hello; `daemon_unreachable` when nothing listens on the socket. */
  static async connect(socketPath: string, options: { timeoutMs?: number } = {}): Promise<DaemonClient> {
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.createConnection(socketPath);
      const timer = setTimeout(() => {
        s.destroy();
        reject(new DispatchError('daemon_unreachable', `dispatchd did not accept a connection on ${socketPath} in time`));
      }, options.timeoutMs ?? 5000);
      s.once('connect', () => {
        clearTimeout(timer);
        resolve(s);
      });
      s.once('error', (error: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new DispatchError('daemon_unreachable', `cannot reach dispatchd at ${socketPath} (${error.code ?? error.message})`, { cause: error }));
      });
    });
    const connection = new JsonRpcConnection(new StreamTransport(socket, socket, { peerName: 'dispatchd' }), { requestTimeoutMs: 0, peerName: 'dispatchd', cancelMethod: CONTROL_CANCEL_METHOD });
    await connection.start();
    connection.onClose(() => socket.destroy());
    try {
      const hashes = await localOpHashes();
      const hello = await connection.request<HelloResult>(
        'hello',
        { protocol: CONTROL_PROTOCOL_VERSION, version: DISPATCH_VERSION, op_hashes: hashes },
        { timeoutMs: options.timeoutMs ?? 5000 },
      );
      return new DaemonClient(connection, hello, hashes);
    } catch (error) {
      await connection.close();
      throw fromWire(error);
    }
  }

  /** Whether the daemon runs this exact build (same version and every op's input schema). */
  get matchesLocalBuild(): boolean {
    const local = this.localHashes;
    const remote = this.hello.op_hashes;
    return this.hello.version === DISPATCH_VERSION && Object.keys(local).every((op) => remote[op] === local[op]);
  }

  async call<T = unknown>(op: string, input: unknown, options: CallOptions = {}): Promise<T> {
    const hash = this.localHashes[op];
    if (hash === undefined) throw new DispatchError('not_found', `unknown op '${op}'`);
    try {
      return await this.connection.request<T>('call', { op, input, input_hash: hash, cwd: options.cwd ?? process.cwd() }, {
        ...(options.signal ? { signal: options.signal } : {}),
        timeoutMs: options.timeoutMs ?? 0,
      });
    } catch (error) {
      throw fromWire(error);
    }
  }

  /**
   * Streams what the daemon pushes until disposed: with `since`, every fact after that sequence
   * number first (a client that reconnects passes the last one it saw), then live entries. When the
   * daemon ends it (this client read too slowly) `ended` gets why, with `data.last_seq` to resume from.
   */
  async subscribe(
    options: { lanes?: string[]; since?: number },
    listener: (entry: FeedEntry) => void,
    ended?: (error: DispatchError) => void,
  ): Promise<Disposable & Omit<SubscribeResult, 'subscription'>> {
    // Filed before asking, so entries the daemon sends right after its answer are never dropped.
    const subscription = randomUUID();
    this.subscriptions.set(subscription, { entry: listener, ended });
    const params: SubscribeParams = { subscription, ...(options.lanes?.length ? { lanes: options.lanes } : {}), ...(options.since === undefined ? {} : { since: options.since }) };
    const result = await this.connection.request<SubscribeResult>('subscribe', params).catch((e: unknown) => {
      this.subscriptions.delete(subscription);
      throw fromWire(e);
    });
    return {
      latest_seq: result.latest_seq,
      oldest_seq: result.oldest_seq,
      missed: result.missed,
      dispose: () => {
        this.subscriptions.delete(subscription);
        this.connection.request('unsubscribe', { subscription }).catch(() => undefined);
      },
    };
  }

  /** The daemon's web dashboard (started by this call if it was not listening yet). */
  async dashboard(): Promise<DashboardResult> {
    return this.connection.request<DashboardResult>('dashboard', {}).catch((e: unknown) => {
      throw fromWire(e);
    });
  }

  async shutdown(): Promise<void> {
    await this.connection.request('shutdown', {}).catch((e: unknown) => {
      throw fromWire(e);
    });
  }

  onClose(listener: () => void): Disposable {
    return this.connection.onClose(() => listener());
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function readPid(pidfile: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(pidfile, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}


const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface EnsureOptions {
  /** Start the daemon when none answers (the CLI and MCP do; tests may not). */
  autoStart?: boolean;
  /** The mode to start in; unset reuses the home's recorded mode (auto-start never switches it). */
  mode?: DaemonMode;
  env?: NodeJS.ProcessEnv;
  /** Defaults to as long as the daemon itself may take (initialize timeout plus a startup margin). */
  startTimeoutMs?: number;
}

/** The live process holding the home's lock (a daemon starting, running or stopping), if any. */
function lockHolder(lockPath: string): number | undefined {
  const pid = readPid(lockPath);
  return pid !== undefined && processAlive(pid) ? pid : undefined;
}

/** Starts dispatchd detached and waits until it answers hello, or reports why it exited. */
export async function startDaemon(paths: DispatchPaths, options: EnsureOptions = {}): Promise<DaemonClient> {
  return (await startOrAwaitDaemon(paths, options)).client;
}

/**
 * Like startDaemon, but a daemon that already holds the home's lock and is still starting (no socket
 * yet) is waited for instead of being raced by a second one; `started` says whether this call started it.
 * One still not answering at the deadline is `already_running` with its pid, not "unreachable".
 */
export async function startOrAwaitDaemon(paths: DispatchPaths, options: EnsureOptions = {}): Promise<{ client: DaemonClient; started: boolean }> {
  preparePrivateHome(paths);
  const env = options.env ?? process.env;
  const timeoutMs = options.startTimeoutMs ?? initializeTimeoutMs(env) + DAEMON_STARTUP_MARGIN_MS;
  const deadline = Date.now() + timeoutMs;
  let daemon: SpawnedDaemon | undefined;
  /** The other daemon this call waits for, while it holds the lock. */
  let other: number | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    const holder = lockHolder(paths.lock);
    if (daemon === undefined) {
      other = holder;
      if (holder === undefined) daemon = spawnDaemonProcess({ logFile: paths.log, ...(options.mode ? { mode: options.mode } : {}), env });
    } else if (daemon.child.exitCode !== null) {
      const failure = startFailureOf(daemon);
      // Another dispatchd took the lock first: wait for it rather than report our refused one.
      if (failure.code !== 'already_running' || holder === undefined) throw failure;
      daemon = undefined;
      other = holder;
    }
    try {
      return { client: await DaemonClient.connect(paths.socket, { timeoutMs: 1000 }), started: daemon !== undefined };
    } catch (error) {
      lastError = error;
      await sleep(50);
    }
  }
  if (daemon === undefined && other !== undefined) {
    throw new DispatchError('already_running', `dispatchd (pid ${other}) holds this home's lock but has not answered within ${timeoutMs} ms: it is still starting (or stuck); see ${paths.log}, then run \`dispatch up\` again`, {
      cause: lastError,
      data: { pid: other, state: 'starting' },
    });
  }
  const pid = daemon?.child.pid;
  throw new DispatchError('daemon_unreachable', `dispatchd${pid === undefined ? '' : ` (pid ${pid})`} did not come up within ${timeoutMs} ms (see ${paths.log})`, { cause: lastError });
}

/** Why a spawned dispatchd exited during startup: the typed error it reported, else its exit code and last log lines. */
function startFailureOf(daemon: SpawnedDaemon): DispatchError {
  const reported = daemon.startFailure();
  if (reported) return reported;
  const exitCode = daemon.child.exitCode;
  if (exitCode === ERROR_TABLE.already_running.exit) return new DispatchError('already_running', 'another dispatchd owns this home');
  const tail = daemon.logTail(3);
  return new DispatchError('daemon_unreachable', `dispatchd exited during startup (code ${exitCode})${tail ? `:\n${tail}` : ''}`);
}

/**
 * Connects to the home's daemon, starting it when it is not running. A daemon of another
 * version is restarted when idle, and refused (with the recovery command) when it has work in flight.
 */
export async function ensureDaemon(paths: DispatchPaths, options: EnsureOptions = {}): Promise<DaemonClient> {
  // In a home others can write into, whoever answers on the socket may not be our daemon.
  assertSafeHome(paths);
  let client: DaemonClient;
  try {
    client = await DaemonClient.connect(paths.socket);
  } catch (error) {
    if (!(error instanceof DispatchError) || error.code !== 'daemon_unreachable' || options.autoStart === false) throw error;
    return startDaemon(paths, options);
  }
  if (client.matchesLocalBuild) return client;
  if (client.hello.busy_lanes > 0) {
    await client.close();
    throw new DispatchError(
      'version_skew',
      `dispatchd ${client.hello.version} is running ${client.hello.busy_lanes} turn(s) and differs from this dispatch ${DISPATCH_VERSION}; when they finish run: dispatch down && dispatch up`,
      { data: { daemon_version: client.hello.version, busy_lanes: client.hello.busy_lanes } },
    );
  }
  await stopDaemon(paths, client);
  return startDaemon(paths, options);
}

/** Asks the daemon to shut down and waits for its process to exit; false when none was running. */
export async function stopDaemon(paths: DispatchPaths, connected?: DaemonClient, timeoutMs = 15_000): Promise<{ stopped: boolean; pid: number | null }> {
  let client = connected;
  if (!client) {
    try {
      client = await DaemonClient.connect(paths.socket, { timeoutMs: 2000 });
    } catch {
      // Nothing answers: clear a stale pidfile/socket left by a crashed daemon (never signal a pid blindly).
      const stale = readPid(paths.pidfile);
      if (stale === undefined || !processAlive(stale)) {
        rmSync(paths.pidfile, { force: true });
        if (!existsSync(paths.lock)) rmSync(paths.socket, { force: true });
      }
      return { stopped: false, pid: null };
    }
  }
  const pid = client.hello.pid;
  await client.shutdown().catch(() => undefined);
  await client.close();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && processAlive(pid)) await sleep(50);
  if (processAlive(pid)) throw new DispatchError('timeout', `dispatchd (pid ${pid}) did not stop within ${timeoutMs} ms`);
  return { stopped: true, pid };
}
