import { randomUUID } from 'node:crypto';
import type { Disposable } from '../../src/core/context.js';
import type { LaneEvent, LaneItem } from '../../src/core/laneEvents.js';
import type { AppServer, AppServerInfo, Goal, ThreadSummary, TranscriptTurn } from '../../src/core/ports.js';
import { DispatchError } from '../../src/shared/errors.js';

type FakeThread = ThreadSummary & { turns: TranscriptTurn[]; goal: Goal | null };

/** What a turn's `@sim` lines ask for, read the way src/simulator reads them (the subset the fake needs). */
interface TurnScript {
  reply: string;
  /** Ms until the reply ends; null: it never ends on its own (`@sim hang`). */
  durationMs: number | null;
  failure: string | null;
}

function scriptOf(text: string): TurnScript {
  const lines = text.split('\n').map((l) => l.trim());
  const directives = lines.filter((l) => l.startsWith('@sim ')).map((l) => l.slice(5).trim());
  let reply = directives.length === 0 ? `Echo: ${text}` : '';
  let durationMs: number | null = 0;
  let failure: string | null = null;
  for (const d of directives) {
    const [verb, ...rest] = d.split(' ');
    const arg = rest.join(' ');
    if (verb === 'reply') reply = arg;
    else if (verb === 'hang') durationMs = null;
    else if (verb === 'fail') failure = arg;
    else if (verb === 'slow') {
      const m = /^(\d+)x(\d+)$/.exec(arg);
      if (m && durationMs !== null) durationMs = Number(m[1]) * Number(m[2]);
    }
  }
  return { reply, durationMs, failure };
}

interface RunningTurn {
  threadId: string;
  turnId: string;
  timer: NodeJS.Timeout | null;
  script: TurnScript;
}

/**
 * An in-memory app-server port, with the event stream the daemon's pipeline reads. It passes the same port suite as
 * the real adapter on the real codex binary (test/ports/appServerSuite.ts), so what core tests see
 * here is what codex does: turns run asynchronously and end with turnCompleted, steer needs the
 * running turn's id, interrupting an ended turn is an error, unknown threads are `app_server`.
 */
export class FakeAppServer implements AppServer {
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  readonly threads = new Map<string, FakeThread>();
  private readonly running = new Map<string, RunningTurn>();
  private readonly listeners = new Set<(event: LaneEvent) => void>();
  /** Errors the next call of a method throws instead of running (failure injection for core tests). */
  private readonly failures = new Map<string, unknown[]>();

  /** Set while the fake plays an app-server that is not there (`goDown`). */
  private down: 'restarting' | 'failed' | null = null;
  private restarts = 0;

  info(): AppServerInfo {
    return {
      state: this.down ?? 'running',
      pid: this.down ? null : 4242,
      codexVersion: '0.169.0',
      codexBinary: '/fake/codex',
      startedAt: new Date(0).toISOString(),
      restarts: this.restarts,
      lastExit: this.down ? 'signal SIGKILL' : null,
      retryAt: this.down === 'failed' ? new Date(180_000).toISOString() : null,
      problem: this.down ? `codex app-server is ${this.down}` : null,
      account: null,
    };
  }

  /** From now on every call fails as the supervisor's do while codex is not there, until `restart`. */
  goDown(state: 'restarting' | 'failed'): void {
    this.crash();
    this.down = state;
  }

  async restart(): Promise<AppServerInfo> {
    if (this.down) this.restarts++;
    this.down = null;
    return this.info();
  }

  onEvent(listener: (event: LaneEvent) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** The next call of `method` throws `error` (after being recorded), e.g. a transport_closed. */
  failNext(method: string, error: unknown): void {
    this.failures.set(method, [...(this.failures.get(method) ?? []), error]);
  }

  /** Ends a running turn now, as the model finishing would. */
  finishTurn(threadId: string): void {
    const run = this.running.get(threadId);
    if (!run) throw new Error(`no running turn on ${threadId}`);
    this.complete(run, 'completed');
  }

  /**
   * Forgets every running turn without a word, as an app-server that died would; its history then
   * shows each as codex does after a restart: `interrupted`, with only its user message.
   */
  crash(): void {
    for (const run of this.running.values()) {
      if (run.timer) clearTimeout(run.timer);
      const turn = this.turnOf(run);
      if (turn) Object.assign(turn, { status: 'interrupted', error: null });
    }
    this.running.clear();
  }

  /** Ends a running turn in the history only, as codex finishing while nobody listened (dispatchd dead) would. */
  finishUnheard(threadId: string): void {
    const run = this.running.get(threadId);
    if (!run) throw new Error(`no running turn on ${threadId}`);
    if (run.timer) clearTimeout(run.timer);
    this.running.delete(threadId);
    const turn = this.turnOf(run);
    if (turn) Object.assign(turn, { status: 'completed', error: null, items: [...turn.items, { id: randomUUID(), type: 'agentMessage', text: run.script.reply, raw: {} }] });
  }

  private emit(event: LaneEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  private reachable(): void {
    if (this.down) throw new DispatchError('app_server', this.info().problem ?? '', { data: { failure: 'unavailable', state: this.down } });
  }

  private thread(id: string, method: string): FakeThread {
    this.reachable();
    const t = this.threads.get(id);
    if (!t) throw new DispatchError('app_server', `${method}: thread not found: ${id}`, { data: { rpcCode: -32600 } });
    return t;
  }

  private record(method: string, ...args: unknown[]): void {
    this.reachable();
    this.calls.push({ method, args });
    const queued = this.failures.get(method);
    if (queued && queued.length > 0) throw queued.shift();
  }

  private summary(t: FakeThread): ThreadSummary {
    const { turns: _turns, goal: _goal, ...summary } = t;
    return { ...summary };
  }

  private turnOf(run: RunningTurn): TranscriptTurn | undefined {
    return this.threads.get(run.threadId)?.turns.find((turn) => turn.id === run.turnId);
  }

  private complete(run: RunningTurn, outcome: 'completed' | 'interrupted' | 'failed'): void {
    if (run.timer) clearTimeout(run.timer);
    this.running.delete(run.threadId);
    const turn = this.turnOf(run);
    const thread = this.threads.get(run.threadId);
    const laneId = run.threadId;
    let lastAgentMessage: string | undefined;
    if (turn && outcome === 'completed') {
      const item: LaneItem = { id: randomUUID(), type: 'agentMessage', text: run.script.reply, raw: {} };
      turn.items.push(item);
      lastAgentMessage = item.text;
      this.emit({ type: 'agentMessageDelta', laneId, turnId: run.turnId, itemId: item.id, delta: run.script.reply });
      this.emit({ type: 'itemCompleted', laneId, turnId: run.turnId, item });
    }
    const error = outcome === 'failed' ? { message: run.script.failure ?? 'turn failed' } : null;
    if (turn) Object.assign(turn, { status: outcome, error });
    if (error) this.emit({ type: 'turnError', laneId, turnId: run.turnId, error, willRetry: false });
    if (thread) thread.status = 'idle';
    this.emit({ type: 'statusChanged', laneId, status: 'idle', activeFlags: [] });
    this.emit({ type: 'turnCompleted', laneId, turnId: run.turnId, outcome, ...(error ? { error } : {}), ...(lastAgentMessage === undefined ? {} : { lastAgentMessage }) });
  }

  private schedule(run: RunningTurn): void {
    if (run.timer) clearTimeout(run.timer);
    run.timer = null;
    const { durationMs, failure } = run.script;
    if (durationMs === null) return;
    run.timer = setTimeout(() => this.complete(run, failure === null ? 'completed' : 'failed'), durationMs);
  }

  async startThread(options: { cwd: string; ephemeral: boolean }) {
    this.record('startThread', options);
    const id = randomUUID();
    this.threads.set(id, { id, name: null, preview: '', cwd: options.cwd, status: 'idle', source: 'vscode', ephemeral: options.ephemeral, createdAt: 0, updatedAt: 0, forkedFromId: null, turns: [], goal: null });
    return { threadId: id, cwd: options.cwd };
  }
  async readThread(threadId: string) {
    this.record('readThread', threadId);
    return this.summary(this.thread(threadId, 'thread/read'));
  }
  async resumeThread(threadId: string) {
    this.record('resumeThread', threadId);
    return this.summary(this.thread(threadId, 'thread/resume'));
  }
  async listThreads(options: { limit: number }) {
    this.reachable();
    // codex lists a thread only once it has a user message.
    const listed = [...this.threads.values()].filter((t) => t.turns.length > 0 && !t.archived);
    return { threads: listed.slice(0, options.limit).map((t) => this.summary(t)), nextCursor: null };
  }
  async listTurns(threadId: string, options: { limit?: number } = {}) {
    this.record('listTurns', threadId, options);
    const thread = this.thread(threadId, 'thread/turns/list');
    if (thread.ephemeral) throw new DispatchError('app_server', 'thread/turns/list: ephemeral threads do not support thread/turns/list', { data: { rpcCode: -32600 } });
    const turns = thread.turns.map((turn) => ({ ...turn, items: [...turn.items] }));
    return options.limit === undefined ? turns : turns.slice(-options.limit);
  }
  async startTurn(threadId: string, options: { text: string; clientUserMessageId?: string }) {
    this.record('startTurn', threadId, options);
    const thread = this.thread(threadId, 'turn/start');
    const turnId = randomUUID();
    const user: LaneItem = { id: randomUUID(), type: 'userMessage', text: options.text, ...(options.clientUserMessageId ? { clientId: options.clientUserMessageId } : {}), raw: {} };
    thread.turns.push({ id: turnId, status: 'inProgress', error: null, items: [user] });
    if (thread.preview === '') thread.preview = options.text;
    thread.status = 'active';
    const run: RunningTurn = { threadId, turnId, timer: null, script: scriptOf(options.text) };
    this.running.set(threadId, run);
    // codex answers turn/start first; the turn's notifications follow.
    setImmediate(() => {
      if (this.running.get(threadId) !== run) return;
      this.emit({ type: 'statusChanged', laneId: threadId, status: 'active', activeFlags: [] });
      this.emit({ type: 'turnStarted', laneId: threadId, turnId });
      this.emit({ type: 'itemCompleted', laneId: threadId, turnId, item: user });
      if (run.script.durationMs !== 0) this.emit({ type: 'agentMessageDelta', laneId: threadId, turnId, itemId: randomUUID(), delta: '…' });
      this.schedule(run);
    });
    return { turnId };
  }
  async steerTurn(threadId: string, options: { expectedTurnId: string; text: string; clientUserMessageId?: string }) {
    this.record('steerTurn', threadId, options);
    this.thread(threadId, 'turn/steer');
    const run = this.running.get(threadId);
    if (!run) throw new DispatchError('app_server', 'turn/steer: no active turn to steer', { data: { rpcCode: -32600 } });
    if (run.turnId !== options.expectedTurnId) {
      throw new DispatchError('app_server', `turn/steer: expected active turn id \`${options.expectedTurnId}\` but found \`${run.turnId}\``, { data: { rpcCode: -32600 } });
    }
    const user: LaneItem = { id: randomUUID(), type: 'userMessage', text: options.text, ...(options.clientUserMessageId ? { clientId: options.clientUserMessageId } : {}), raw: {} };
    this.turnOf(run)?.items.push(user);
    // The model answers the steered input (the simulator echoes a message without directives).
    run.script = { ...scriptOf(options.text), durationMs: 0 };
    this.schedule(run);
    return { turnId: run.turnId };
  }
  async interruptTurn(threadId: string, turnId: string) {
    this.record('interruptTurn', threadId, turnId);
    this.thread(threadId, 'turn/interrupt');
    const run = this.running.get(threadId);
    if (!run || run.turnId !== turnId) throw new DispatchError('app_server', `turn/interrupt: no active turn ${turnId}`, { data: { rpcCode: -32600 } });
    setImmediate(() => this.complete(run, 'interrupted'));
  }
  async injectContext(threadId: string, text: string) {
    this.record('injectContext', threadId, text);
    this.thread(threadId, 'thread/inject_items');
  }
  async setName(threadId: string, name: string) {
    this.record('setName', threadId, name);
    this.thread(threadId, 'thread/name/set').name = name;
  }
  async archive(threadId: string) {
    this.record('archive', threadId);
    this.thread(threadId, 'thread/archive').archived = true;
  }
  async unarchive(threadId: string) {
    this.record('unarchive', threadId);
    this.thread(threadId, 'thread/unarchive').archived = false;
  }
  async fork(threadId: string, options: { cwd?: string; ephemeral: boolean }) {
    const source = this.thread(threadId, 'thread/fork');
    const forked = await this.startThread({ cwd: options.cwd ?? source.cwd, ephemeral: options.ephemeral });
    const copy = this.thread(forked.threadId, 'thread/fork');
    copy.turns = [...source.turns];
    copy.forkedFromId = threadId;
    return forked;
  }
  async revert(threadId: string, beforeTurnId: string) {
    const t = this.thread(threadId, 'thread/revert');
    t.turns = t.turns.slice(0, t.turns.findIndex((turn) => turn.id === beforeTurnId));
  }
  async compact(threadId: string) {
    this.record('compact', threadId);
  }
  async goalGet(threadId: string) {
    return this.thread(threadId, 'thread/goal/get').goal;
  }
  async goalSet(threadId: string, goal: { objective?: string; status?: string; tokenBudget?: number }) {
    const t = this.thread(threadId, 'thread/goal/set');
    t.goal = { objective: goal.objective ?? t.goal?.objective ?? '', status: goal.status ?? 'active', tokenBudget: goal.tokenBudget ?? null, tokensUsed: 0, timeUsedSeconds: 0, createdAt: 0, updatedAt: 0 };
    return t.goal;
  }
  async goalClear(threadId: string) {
    this.thread(threadId, 'thread/goal/clear').goal = null;
  }
}
