import { malformedAnswer } from './answers.js';
import type { LaneEvent } from '../core/laneEvents.js';
import type { AppServerFailure, RateLimitObservation } from '../core/ports.js';
import { JsonRpcConnection, type Disposable, type RequestHandler, type RequestOptions } from '../jsonrpc/connection.js';
import type { NotificationMessage, RequestId } from '../jsonrpc/message.js';
import { RPC_CODES, RpcError } from '../jsonrpc/rpcError.js';
import { StreamTransport } from '../jsonrpc/streamTransport.js';
import type { Transport } from '../jsonrpc/transport.js';
import type {
  ClientMethod,
  ClientMethods,
  InitializeResponse,
  NotificationParams,
  SandboxMode,
  SandboxPolicy,
  ServerRequestMethod,
  ServerRequestParams,
  Thread,
  Turn,
  UserInput,
} from '../protocol/index.js';
import { DispatchError, toDispatchError, wireErrorOf } from '../shared/errors.js';
import { identifyOversizedLine } from '../shared/oversizedLine.js';
import { APP_SERVER_INITIALIZE_TIMEOUT_MS } from '../shared/startup.js';
import { resolveCodexBinary, type CodexBinary } from './binary.js';
import { projectNotification, projectServerRequest, rateLimitsOf, threadIdOf } from './events.js';
import { AppServerProcess, codexEnvironment, type ProcessExit } from './process.js';
import { ReadEdges, type ReadEdge } from './readEdges.js';

export interface CodexClientInfo {
  name: string;
  title?: string;
  version: string;
}

export interface CodexClientOptions {
  /** Default per-request timeout (ms). */
  requestTimeoutMs?: number;
  /** Requests in flight at once on the connection; codex answers -32001 past ~200. */
  maxInFlight?: number;
  /** Retries of a request codex refused with -32001 "Server overloaded". */
  overloadRetries?: number;
  clientInfo?: CodexClientInfo;
  /** How long `initialize` may take (default APP_SERVER_INITIALIZE_TIMEOUT_MS). */
  initializeTimeoutMs?: number;
  /** Notification methods codex should not send at all (e.g. deltas nobody reads). */
  optOutNotificationMethods?: string[];
  /** Gets every recoverable fault from the first byte on, the handshake's included (onError() only sees those after it). */
  onError?: (error: Error) => void;
}

export interface SpawnCodexOptions extends CodexClientOptions {
  codexHome: string;
  binary?: CodexBinary;
  /** Extra environment for the app-server (provider keys, TMPDIR). */
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/** Why a client stopped: the connection's reason plus, for a process, how it exited. */
export interface CodexCloseInfo {
  reason: Error;
  exit?: ProcessExit;
  stderrTail: string[];
}

export type RawListener = (laneId: string, message: { method: string; id?: RequestId; params?: unknown }) => void;

export type ServerRequestHandler<M extends ServerRequestMethod> = (
  params: ServerRequestParams<M>,
  context: { id: RequestId; method: M; signal: AbortSignal },
) => unknown;

const DEFAULT_CLIENT_INFO: CodexClientInfo = { name: 'dispatch', title: 'dispatch', version: '0' };

/** A text input item; `text_elements` is required by the wire type even when empty. */
export function textInput(text: string): UserInput {
  return { type: 'text', text, text_elements: [] };
}

/**
 * thread/start takes the sandbox as a string, turn/start as an object; mixing them is a -32600.
 * This maps the string form to the object form for a turn in `cwd`.
 */
export function sandboxPolicyFor(mode: SandboxMode, cwd: string): SandboxPolicy {
  switch (mode) {
    case 'read-only':
      return { type: 'readOnly', networkAccess: false };
    case 'workspace-write':
      return { type: 'workspaceWrite', writableRoots: [cwd], networkAccess: false, excludeTmpdirEnvVar: false, excludeSlashTmp: false };
    case 'danger-full-access':
      return { type: 'dangerFullAccess' };
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), reject(new DispatchError('cancelled', 'cancelled'))), { once: true });
  });

/**
 * A client of one codex app-server: the initialize handshake, typed requests with overload
 * retry, normalized lane events, raw messages per lane, and server→client requests — each of
 * which gets an answer (a handler's, or an explicit JSON-RPC error when none is registered).
 */
export class CodexClient {
  readonly connection: JsonRpcConnection;
  readonly process: AppServerProcess | undefined;
  private initialized: InitializeResponse | undefined;
  private readonly eventListeners = new Set<(event: LaneEvent) => void>();
  private readonly rateLimitListeners = new Set<(windows: RateLimitObservation[]) => void>();
  private readonly rawListeners = new Set<RawListener>();
  private readonly reads = new ReadEdges((error) => this.emitError(error));
  private readonly closeListeners = new Set<(info: CodexCloseInfo) => void>();
  private readonly errorListeners = new Set<(error: Error) => void>();
  private closeInfo: CodexCloseInfo | undefined;
  readonly closed: Promise<CodexCloseInfo>;
  private readonly overloadRetries: number;
  private readonly options: CodexClientOptions;

  private constructor(transport: Transport, options: CodexClientOptions, process?: AppServerProcess) {
    this.options = options;
    this.process = process;
    this.overloadRetries = options.overloadRetries ?? 6;
    this.connection = new JsonRpcConnection(transport, {
      requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
      maxInFlight: options.maxInFlight ?? 64,
      peerName: 'codex app-server',
      errorToWire: wireErrorOf,
    });
    this.connection.onNotification((message) => this.handleNotification(message));
    if (options.onError) this.errorListeners.add(options.onError);
    this.connection.onError((error) => this.emitError(fromEngine(error)));
    this.connection.onRequestObserved((message) => this.observeServerRequest(message.method, message.id, message.params));
    this.connection.onUnhandledRequest((_params, context) => {
      throw new RpcError(context.method, { code: RPC_CODES.methodNotFound, message: `dispatch does not handle ${context.method}` });
    });
    this.closed = new Promise((resolve) => {
      this.connection.onClose((reason) => {
        void (async () => {
          // stdout EOF usually comes a few ms after the exit; give the exit status a moment to land.
          const exit = process ? await Promise.race([process.exited, sleep(500).then(() => process.exit)]) : undefined;
          this.closeInfo = { reason: toDispatchError(reason), ...(exit ? { exit } : {}), stderrTail: process?.stderr.tail(30) ?? [] };
          for (const listener of this.closeListeners) listener(this.closeInfo);
          resolve(this.closeInfo);
        })();
      });
    });
  }

  /** Spawns `codex app-server` (the pinned native binary) and completes the handshake. */
  static async spawn(options: SpawnCodexOptions): Promise<CodexClient> {
    const binary = options.binary ?? resolveCodexBinary();
    const env = codexEnvironment(binary, { codexHome: options.codexHome, extra: options.env ?? {} });
    const proc = await AppServerProcess.spawn({ binary, env, ...(options.cwd ? { cwd: options.cwd } : {}) });
    const transport = new StreamTransport(proc.child.stdout, proc.child.stdin, { peerName: 'codex app-server', identifyOversized: identifyOversizedLine });
    const client = new CodexClient(transport, options, proc);
    try {
      await client.start();
    } catch (error) {
      await proc.close(500);
      const tail = proc.stderr.tail(10).join('\n');
      throw new DispatchError('app_server', `codex app-server failed to initialize: ${(error as Error).message}${tail ? `\n${tail}` : ''}`, { cause: error });
    }
    return client;
  }

  /** A client over an existing transport (tests, or an app-server someone else runs). */
  static async connect(transport: Transport, options: CodexClientOptions = {}): Promise<CodexClient> {
    const client = new CodexClient(transport, options);
    await client.start();
    return client;
  }

  private async start(): Promise<void> {
    // The handshake's engine errors become dispatch errors here, at the codex boundary.
    await this.handshake().catch((error: unknown) => {
      throw fromEngine(error);
    });
  }

  private async handshake(): Promise<void> {
    await this.connection.start();
    if (this.process) this.reads.attach(this.process.child.stdout);
    const info = this.options.clientInfo ?? DEFAULT_CLIENT_INFO;
    const answer = await this.connection.request<unknown>(
      'initialize',
      {
        clientInfo: { name: info.name, title: info.title ?? null, version: info.version },
        capabilities: {
          experimentalApi: true,
          requestAttestation: false,
          ...(this.options.optOutNotificationMethods ? { optOutNotificationMethods: this.options.optOutNotificationMethods } : {}),
        },
      } satisfies ClientMethods['initialize']['params'],
      { timeoutMs: this.options.initializeTimeoutMs ?? APP_SERVER_INITIALIZE_TIMEOUT_MS },
    );
    // A process that answers initialize with the wrong shape is not a codex app-server we can drive.
    const wrong = malformedAnswer('initialize', answer);
    if (wrong !== undefined) throw new DispatchError('app_server', `initialize: codex app-server sent a malformed answer (${wrong})`, { data: { method: 'initialize', malformed: wrong } });
    this.initialized = answer as InitializeResponse;
    await this.connection.notify('initialized');
  }

  get initializeResult(): InitializeResponse {
    if (!this.initialized) throw new DispatchError('internal', 'codex client is not initialized');
    return this.initialized;
  }

  get isClosed(): boolean {
    return this.connection.closed;
  }

  /**
   * Sends a typed request. A -32001 overload is retried with exponential backoff and jitter
   * (codex refused it unprocessed); wire errors become `app_server` errors carrying codex's code.
   */
  async request<M extends ClientMethod>(method: M, params: ClientMethods[M]['params'], options: RequestOptions = {}): Promise<ClientMethods[M]['result']> {
    for (let attempt = 0; ; attempt++) {
      let result: unknown;
      try {
        result = await this.connection.request<unknown>(method, params, options);
      } catch (error) {
        if (!(error instanceof RpcError)) throw fromEngine(error);
        if (error.code === RPC_CODES.serverOverloaded) {
          if (attempt < this.overloadRetries) {
            await sleep(Math.min(2000, 25 * 2 ** attempt) * (0.5 + Math.random()), options.signal);
            continue;
          }
          throw new DispatchError('overloaded', `codex app-server stayed overloaded for ${method} after ${attempt + 1} attempts`, { cause: error });
        }
        const failure = appServerFailureIn(error.message);
        throw new DispatchError('app_server', `${method}: ${error.message}`, { cause: error, data: { rpcCode: error.code, method, ...(failure ? { failure } : {}) } });
      }
      const wrong = malformedAnswer(method, result);
      if (wrong !== undefined) {
        throw new DispatchError('app_server', `${method}: codex app-server sent a malformed answer (${wrong})`, { data: { method, malformed: wrong } });
      }
      return result as ClientMethods[M]['result'];
    }
  }

  // Typed helpers for calls whose encoding has a trap; everything else goes through request().

  /** Starts a turn with text input. */
  turnStart(params: Omit<ClientMethods['turn/start']['params'], 'input'> & { text: string }, options?: RequestOptions): Promise<Turn> {
    const { text, ...rest } = params;
    return this.request('turn/start', { ...rest, input: [textInput(text)] }, options).then((r) => r.turn);
  }

  /** Steers the running turn; `expectedTurnId` is required by codex and must be the active turn. */
  turnSteer(params: { threadId: string; expectedTurnId: string; text: string; clientUserMessageId?: string }, options?: RequestOptions): Promise<string> {
    const { text, ...rest } = params;
    return this.request('turn/steer', { ...rest, input: [textInput(text)] }, options).then((r) => r.turnId);
  }

  /** Every thread the server lists, following cursors; a repeated cursor is a protocol error. */
  async listAllThreads(params: Omit<ClientMethods['thread/list']['params'], 'cursor'> = {}, options?: RequestOptions): Promise<Thread[]> {
    const out: Thread[] = [];
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: ClientMethods['thread/list']['result'] = await this.request('thread/list', { ...params, cursor }, options);
      out.push(...page.data);
      cursor = page.nextCursor;
      if (cursor !== null) {
        if (seen.has(cursor)) throw new DispatchError('protocol', 'thread/list repeated a pagination cursor');
        seen.add(cursor);
      }
    } while (cursor !== null);
    return out;
  }

  /** A thread's turns with full items, oldest first (thread/read includeTurns is unsupported for paginated threads). */
  async listTurns(threadId: string, options: { limit?: number } & RequestOptions = {}): Promise<Turn[]> {
    const { limit, ...requestOptions } = options;
    const turns: Turn[] = [];
    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const page: ClientMethods['thread/turns/list']['result'] = await this.request(
        'thread/turns/list',
        { threadId, cursor, sortDirection: 'desc', itemsView: 'full', limit: Math.min(limit ?? 100, 100) },
        requestOptions,
      );
      turns.push(...page.data);
      cursor = page.nextCursor;
      if (cursor !== null) {
        if (seen.has(cursor)) throw new DispatchError('protocol', 'thread/turns/list repeated a pagination cursor');
        seen.add(cursor);
      }
    } while (cursor !== null && (limit === undefined || turns.length < limit));
    return (limit === undefined ? turns : turns.slice(0, limit)).reverse();
  }

  /** Registers the answerer of one server-request kind. Without one, codex gets an explicit error. */
  onServerRequest<M extends ServerRequestMethod>(method: M, handler: ServerRequestHandler<M>): Disposable {
    return this.connection.onRequest(method, handler as RequestHandler);
  }

  onEvent(listener: (event: LaneEvent) => void): Disposable {
    this.eventListeners.add(listener);
    return { dispose: () => this.eventListeners.delete(listener) };
  }

  /** The account's rate-limit windows, each time codex reports them (they belong to no lane). */
  onRateLimits(listener: (windows: RateLimitObservation[]) => void): Disposable {
    this.rateLimitListeners.add(listener);
    return { dispose: () => this.rateLimitListeners.delete(listener) };
  }

  /** Each read of codex's output: the events between its 'start' and 'end' came in one read. */
  onRead(listener: (edge: ReadEdge) => void): Disposable {
    return this.reads.on(listener);
  }

  /** Every message (notification or server request) that names a thread, as codex sent it. */
  onRaw(listener: RawListener): Disposable {
    this.rawListeners.add(listener);
    return { dispose: () => this.rawListeners.delete(listener) };
  }

  onClose(listener: (info: CodexCloseInfo) => void): Disposable {
    if (this.closeInfo) {
      const info = this.closeInfo;
      queueMicrotask(() => listener(info));
    }
    this.closeListeners.add(listener);
    return { dispose: () => this.closeListeners.delete(listener) };
  }

  /** Recoverable faults: malformed lines, listener failures. */
  onError(listener: (error: Error) => void): Disposable {
    this.errorListeners.add(listener);
    return { dispose: () => this.errorListeners.delete(listener) };
  }

  /** Closes the connection and the process (stdin end → SIGTERM → SIGKILL). */
  async close(): Promise<CodexCloseInfo> {
    if (this.process) {
      await this.process.close();
    }
    await this.connection.close();
    return this.closed;
  }

  private handleNotification(message: NotificationMessage): void {
    if (message.method === 'account/rateLimits/updated') return this.handleRateLimits(message);
    const laneId = threadIdOf(message);
    if (laneId) this.emitRaw(laneId, message);
    let events: LaneEvent[];
    try {
      events = projectNotification(message);
    } catch (error) {
      this.emitError(new DispatchError('protocol', `could not read ${message.method}: ${(error as Error).message}`));
      return;
    }
    for (const event of events) this.emitEvent(event);
  }

  private handleRateLimits(message: NotificationMessage): void {
    let windows: RateLimitObservation[];
    try {
      windows = rateLimitsOf(message.params as NotificationParams<'account/rateLimits/updated'>);
    } catch (error) {
      this.emitError(new DispatchError('protocol', `could not read ${message.method}: ${(error as Error).message}`));
      return;
    }
    for (const listener of this.rateLimitListeners) {
      try {
        listener(windows);
      } catch (error) {
        this.emitError(error as Error);
      }
    }
  }

  /** Server requests are observed before their handler runs, so listeners see approvals. */
  private observeServerRequest(method: string, id: RequestId, params: unknown): void {
    const laneId = threadIdOf({ params });
    if (laneId) this.emitRaw(laneId, { id, method, params });
    const event = projectServerRequest(method, id, params);
    // Its handler starts synchronously after this: it must see the events before it, and its own, handled.
    if (event) this.reads.cut(() => this.emitEvent(event));
  }

  private emitEvent(event: LaneEvent): void {
    for (const listener of this.eventListeners) {
      try {
        listener(event);
      } catch (error) {
        this.emitError(error as Error);
      }
    }
  }

  private emitRaw(laneId: string, message: { method: string; id?: RequestId; params?: unknown }): void {
    for (const listener of this.rawListeners) {
      try {
        listener(laneId, message);
      } catch (error) {
        this.emitError(error as Error);
      }
    }
  }

  private emitError(error: Error): void {
    for (const listener of this.errorListeners) listener(error);
  }
}

/**
 * An engine failure in dispatch's terms. A line too long to read is a size limit (`limit_exceeded`,
 * `data.limit` naming it), not a malformed message; everything else maps as the error table says.
 */
function fromEngine(error: unknown): DispatchError {
  const data = error instanceof Error && error.name === 'ConnectionError' ? (error as { data?: Record<string, unknown> }).data : undefined;
  if (typeof data?.['oversized'] !== 'number') return toDispatchError(error);
  const method = data['method'];
  return new DispatchError('limit_exceeded', (error as Error).message, {
    cause: error,
    data: { limit: 'maxAppServerLineBytes', max: data['max_line_bytes'], bytes: data['oversized'], ...(typeof method === 'string' ? { method } : {}) },
  });
}

/**
 * The AppServerFailure a codex error message names. codex tells these apart by its words only (no
 * distinct rpc code), so the words are matched here, in the adapter, and nowhere else.
 */
export function appServerFailureIn(message: string): AppServerFailure | undefined {
  if (/no rollout found/i.test(message)) return 'no_rollout';
  return undefined;
}
