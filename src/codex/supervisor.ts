import type { LaneEvent } from '../core/laneEvents.js';
import type { AppServerInfo, RateLimitObservation } from '../core/ports.js';
import type { Disposable } from '../jsonrpc/connection.js';
import type { RequestId } from '../jsonrpc/message.js';
import { SERVER_REQUEST_METHODS, type ServerRequestMethod } from '../protocol/index.js';
import { DispatchError } from '../shared/errors.js';
import { readAccount, readRateLimits } from './account.js';
import { requireSupportedCodex, resolveCodexBinary, type CodexBinary } from './binary.js';
import { CodexClient, type CodexCloseInfo, type RawListener, type SpawnCodexOptions } from './client.js';
import type { ReadEdge } from './readEdges.js';

/** Answers one server→client request; `generation` names the app-server connection it came on. */
export type ServerRequestResponder = (request: {
  generation: number;
  id: RequestId;
  method: ServerRequestMethod;
  params: unknown;
  signal: AbortSignal;
}) => Promise<unknown>;

export interface SupervisorOptions extends Omit<SpawnCodexOptions, 'binary'> {
  binary?: CodexBinary;
  /** Restarts allowed within `restartWindowMs` before giving up and reporting `failed`. */
  maxRestarts?: number;
  restartWindowMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  onLog?: (level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>) => void;
}

/**
 * Owns the codex app-server process: starts it, restarts it with exponential backoff when it
 * dies (within a restart budget, then reports `failed` instead of looping), and re-attaches
 * listeners to each new client. Callers always reach the live client through `client()`.
 */
export class AppServerSupervisor {
  private current: CodexClient | undefined;
  private state: AppServerInfo['state'] = 'stopped';
  private generationCounter = 0;
  private restartTimes: number[] = [];
  private restarts = 0;
  /** Lines of app-server output over the line cap, dropped unread, since the daemon started. */
  private droppedLines = 0;
  private lastExit: string | null = null;
  private startedAt: string | null = null;
  private codexVersion: string | null = null;
  private account: AppServerInfo['account'] = null;
  private stopping = false;
  private readonly binary: CodexBinary;
  private readonly options: SupervisorOptions;
  private readonly eventListeners = new Set<(event: LaneEvent, generation: number) => void>();
  private readonly rateLimitListeners = new Set<(windows: RateLimitObservation[]) => void>();
  private readonly rawListeners = new Set<RawListener>();
  private readonly readListeners = new Set<(edge: ReadEdge) => void>();
  private readonly readyListeners = new Set<(generation: number, restarted: boolean) => void | Promise<void>>();
  private readonly downListeners = new Set<(info: CodexCloseInfo, generation: number) => void>();
  private responder: ServerRequestResponder | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  /** The restart attempt in progress, so a requested restart never spawns a second app-server. */
  private spawning: Promise<void> | undefined;
  /** When a spent budget is tried again by itself (epoch ms), while `failed`. */
  private retryAt: number | null = null;

  constructor(options: SupervisorOptions) {
    this.options = options;
    this.binary = options.binary ?? resolveCodexBinary();
  }

  /** Starts the first app-server; a failure here is the caller's (the daemon refuses to start). */
  async start(): Promise<void> {
    this.stopping = false;
    this.codexVersion = (await requireSupportedCodex(this.binary)).version;
    this.state = 'starting';
    await this.spawnClient(false);
  }

  /** The live client, or `app_server` (failure `unavailable`) saying why none runs and what to do. */
  client(): CodexClient {
    if (!this.current || this.current.isClosed) throw this.unavailable();
    return this.current;
  }

  /**
   * Starts a `failed` or `restarting` app-server now with a fresh restart budget (a person asked)
   * and resolves once it runs; a running one is left alone.
   */
  async restart(): Promise<AppServerInfo> {
    // An attempt under way is waited for, never doubled.
    if (this.spawning) await this.spawning.catch(() => undefined);
    if (this.isRunning()) return this.info();
    if (this.stopping) throw this.unavailable();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.retryAt = null;
    this.restartTimes = [];
    this.log('info', 'app_server.restart_requested', { state: this.state });
    this.state = 'restarting';
    try {
      await this.attemptRestart(0);
    } catch {
      const refusal = this.unavailable();
      throw new DispatchError('app_server', `codex app-server did not start (${this.lastExit ?? 'no exit recorded'}); dispatchd keeps retrying with backoff (\`dispatch daemon status\` shows it, dispatchd.log why)`, {
        ...(refusal.data ? { data: refusal.data } : {}),
      });
    }
    return this.info();
  }

  private isRunning(): boolean {
    return this.state === 'running' && this.current !== undefined && !this.current.isClosed;
  }

  get generation(): number {
    return this.generationCounter;
  }

  info(): AppServerInfo {
    return {
      state: this.state,
      pid: this.current && !this.current.isClosed ? (this.current.process?.pid ?? null) : null,
      codexVersion: this.codexVersion,
      codexBinary: this.binary.path,
      startedAt: this.startedAt,
      restarts: this.restarts,
      lastExit: this.lastExit,
      retryAt: this.retryAt === null ? null : new Date(this.retryAt).toISOString(),
      problem: this.isRunning() ? null : this.unavailable().message,
      account: this.account,
    };
  }

  onEvent(listener: (event: LaneEvent, generation: number) => void): Disposable {
    this.eventListeners.add(listener);
    return { dispose: () => this.eventListeners.delete(listener) };
  }

  /** The account's rate-limit windows as each app-server reports them. */
  onRateLimits(listener: (windows: RateLimitObservation[]) => void): Disposable {
    this.rateLimitListeners.add(listener);
    return { dispose: () => this.rateLimitListeners.delete(listener) };
  }

  /** 'start' and 'end' of each read of the running app-server's output (its events in between came at once). */
  onRead(listener: (edge: ReadEdge) => void): Disposable {
    this.readListeners.add(listener);
    return { dispose: () => this.readListeners.delete(listener) };
  }

  onRaw(listener: RawListener): Disposable {
    this.rawListeners.add(listener);
    return { dispose: () => this.rawListeners.delete(listener) };
  }

  /** Runs after every successful (re)start, before the client is used for new work by recovery. */
  onReady(listener: (generation: number, restarted: boolean) => void | Promise<void>): Disposable {
    this.readyListeners.add(listener);
    return { dispose: () => this.readyListeners.delete(listener) };
  }

  /** Runs when a client's connection ends (crash or stop). */
  onDown(listener: (info: CodexCloseInfo, generation: number) => void): Disposable {
    this.downListeners.add(listener);
    return { dispose: () => this.downListeners.delete(listener) };
  }

  /** Sets the one answerer of every server request kind, on this and every future client. */
  setServerRequestResponder(responder: ServerRequestResponder): void {
    this.responder = responder;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.retryAt = null;
    const client = this.current;
    this.state = 'stopped';
    if (client) await client.close();
  }

  private log(level: 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void {
    this.options.onLog?.(level, message, data);
  }

  private async spawnClient(restarted: boolean): Promise<void> {
    const { maxRestarts: _m, restartWindowMs: _w, initialBackoffMs: _i, maxBackoffMs: _x, onLog: _l, ...spawnOptions } = this.options;
    // Faults are reported from the first byte: a line dropped before the handshake ends is logged too.
    const client = await CodexClient.spawn({ ...spawnOptions, binary: this.binary, onError: (error) => this.reportFault(error) });
    const generation = ++this.generationCounter;
    client.onEvent((event) => {
      for (const listener of this.eventListeners) listener(event, generation);
    });
    client.onRateLimits((windows) => {
      for (const listener of this.rateLimitListeners) listener(windows);
    });
    client.onRead((edge) => {
      for (const listener of this.readListeners) listener(edge);
    });
    client.onRaw((laneId, message) => {
      for (const listener of this.rawListeners) listener(laneId, message);
    });
    for (const method of SERVER_REQUEST_METHODS) {
      client.onServerRequest(method, (params, context) => {
        if (!this.responder) throw new DispatchError('internal', `no responder for ${method}`);
        return this.responder({ generation, id: context.id, method, params, signal: context.signal });
      });
    }
    client.onClose((info) => this.handleDown(client, info, generation));
    this.account = await this.readAccount(client);
    // codex answers the read for a ChatGPT login only (otherwise "authentication required"); later windows come as notifications.
    if (this.account?.type === 'chatgpt') void this.readRateLimits(client);
    this.current = client;
    this.state = 'running';
    this.startedAt = new Date().toISOString();
    this.log('info', restarted ? 'app_server.restarted' : 'app_server.started', { appServerPid: client.process?.pid, generation });
    for (const listener of this.readyListeners) {
      try {
        await listener(generation, restarted);
      } catch (error) {
        this.log('error', 'app_server.ready_hook_failed', { error: (error as Error).message });
      }
    }
  }

  /** Logs a recoverable fault of the app-server's output; a line too long to read is counted and logged by size (its content never). */
  private reportFault(error: Error): void {
    const data = error instanceof DispatchError && error.data?.['limit'] === 'maxAppServerLineBytes' ? error.data : undefined;
    if (!data) {
      this.log('warn', 'app_server.protocol_fault', { error: error.message });
      return;
    }
    this.droppedLines++;
    const { bytes, max, method } = data;
    this.log('warn', 'app_server.line_dropped', { bytes, max_line_bytes: max, dropped_lines: this.droppedLines, ...(method === undefined ? {} : { method }) });
  }

  /** Who codex is logged in as, read once per app-server: without an account a real turn cannot reach its provider. */
  private async readAccount(client: CodexClient): Promise<AppServerInfo['account']> {
    try {
      return await readAccount(client);
    } catch (error) {
      this.log('warn', 'app_server.account_read_failed', { error: (error as Error).message });
      return null;
    }
  }

  /** The account's windows at start, so admission knows them before the first turn reports them. */
  private async readRateLimits(client: CodexClient): Promise<void> {
    try {
      const windows = await readRateLimits(client);
      for (const listener of this.rateLimitListeners) listener(windows);
    } catch (error) {
      this.log('warn', 'app_server.rate_limits_read_failed', { error: (error as Error).message });
    }
  }

  private handleDown(client: CodexClient, info: CodexCloseInfo, generation: number): void {
    if (client !== this.current) return;
    const exit = info.exit ? (info.exit.signal ? `signal ${info.exit.signal}` : `code ${info.exit.code}`) : info.reason.message;
    this.lastExit = exit;
    for (const listener of this.downListeners) {
      try {
        listener(info, generation);
      } catch (error) {
        this.log('error', 'app_server.down_hook_failed', { error: (error as Error).message });
      }
    }
    if (this.stopping) return;
    this.log('warn', 'app_server.died', { exit, stderr: info.stderrTail.slice(-5) });
    this.scheduleRestart(0);
  }

  private get restartWindowMs(): number {
    return this.options.restartWindowMs ?? 180_000;
  }

  private scheduleRestart(attempt: number): void {
    const now = Date.now();
    const window = this.restartWindowMs;
    this.restartTimes = this.restartTimes.filter((t) => now - t < window);
    if (this.restartTimes.length >= (this.options.maxRestarts ?? 5)) {
      // Spent budget: stop looping, but not for good — once the oldest restart leaves the window
      // there is budget again, and one more attempt is made (a failure there waits again).
      this.state = 'failed';
      const retryAt = Math.max(now, (this.restartTimes[0] ?? now) + window);
      this.retryAt = retryAt;
      this.log('error', 'app_server.restart_budget_exhausted', { restarts: this.restartTimes.length, windowMs: window, retryAt: new Date(retryAt).toISOString() });
      this.restartTimer = setTimeout(() => {
        this.retryAt = null;
        if (this.stopping) return;
        this.state = 'restarting';
        this.attemptRestart(attempt).catch(() => undefined);
      }, retryAt - now);
      return;
    }
    this.state = 'restarting';
    const base = this.options.initialBackoffMs ?? 250;
    const delay = Math.min(this.options.maxBackoffMs ?? 10_000, base * 2 ** (this.restartTimes.length + attempt)) * (0.75 + Math.random() / 2);
    this.restartTimer = setTimeout(() => {
      if (this.stopping) return;
      this.attemptRestart(attempt).catch(() => undefined);
    }, delay);
  }

  /** One restart attempt; when it fails the next is scheduled (within the budget). */
  private attemptRestart(attempt: number): Promise<void> {
    this.restartTimes.push(Date.now());
    this.restarts++;
    const spawning = this.spawnClient(true).catch((error: unknown) => {
      this.lastExit = `start failed: ${(error as Error).message.split('\n').join('; ')}`;
      this.log('error', 'app_server.spawn_failed', { error: (error as Error).message });
      if (!this.stopping) this.scheduleRestart(attempt + 1);
      throw error;
    });
    this.spawning = spawning;
    void spawning.finally(() => {
      if (this.spawning === spawning) this.spawning = undefined;
    }).catch(() => undefined);
    return spawning;
  }

  /** Why no app-server answers, and what the caller can do about it. */
  private unavailable(): DispatchError {
    // A closed client whose exit is not handled yet is about to restart.
    const state = this.state === 'running' ? 'restarting' : this.state;
    const exit = this.lastExit ? ` (last exit: ${this.lastExit})` : '';
    const retryAt = this.retryAt === null ? null : new Date(this.retryAt).toISOString();
    const message = {
      starting: 'codex app-server is starting; retry in a moment',
      restarting: `codex app-server is restarting${exit}; it is back within seconds: retry then, or queue the message and it goes out when codex is back`,
      failed:
        `codex app-server failed: ${this.restartTimes.length} restart(s) within ${Math.round(this.restartWindowMs / 1000)} s did not keep it running${exit}; ` +
        `dispatchd tries again by itself${retryAt ? ` at ${retryAt}` : ''}, or run \`dispatch up\` to restart it now (\`dispatch daemon status\` shows its state, dispatchd.log why)`,
      stopped: 'codex app-server is stopped: dispatchd is shutting down; run `dispatch up`',
    }[state];
    return new DispatchError('app_server', message, { data: { failure: 'unavailable', state, last_exit: this.lastExit, retry_at: retryAt } });
  }
}
