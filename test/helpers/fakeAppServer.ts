import { randomUUID } from 'node:crypto';
import type { AppServer, AppServerInfo, Goal, ThreadSummary, TranscriptTurn } from '../../src/core/ports.js';
import { DispatchError } from '../../src/shared/errors.js';

/**
 * An in-memory stand-in for the codex app-server port, for unit tests of one layer (handlers).
 * Everything that talks to the real binary is tested against it in test/integration and test/e2e.
 */
export class FakeAppServer implements AppServer {
  readonly calls: Array<{ method: string; args: unknown[] }> = [];
  readonly threads = new Map<string, ThreadSummary & { turns: TranscriptTurn[]; goal: Goal | null }>();

  info(): AppServerInfo {
    return { state: 'running', pid: 4242, codexVersion: '0.169.0', codexBinary: '/fake/codex', startedAt: new Date(0).toISOString(), restarts: 0, lastExit: null, account: null };
  }

  private thread(id: string) {
    const t = this.threads.get(id);
    if (!t) throw new DispatchError('app_server', `thread/read: thread not found: ${id}`, { data: { rpcCode: -32600 } });
    return t;
  }

  private record(method: string, ...args: unknown[]): void {
    this.calls.push({ method, args });
  }

  async startThread(options: { cwd: string; ephemeral: boolean }) {
    this.record('startThread', options);
    const id = randomUUID();
    this.threads.set(id, { id, name: null, preview: '', cwd: options.cwd, status: 'idle', source: 'vscode', ephemeral: options.ephemeral, createdAt: 0, updatedAt: 0, forkedFromId: null, turns: [], goal: null });
    return { threadId: id, cwd: options.cwd };
  }
  async readThread(threadId: string) {
    this.record('readThread', threadId);
    return this.thread(threadId);
  }
  async resumeThread(threadId: string) {
    this.record('resumeThread', threadId);
    return this.thread(threadId);
  }
  async listThreads(options: { limit: number }) {
    return { threads: [...this.threads.values()].slice(0, options.limit), nextCursor: null };
  }
  async listTurns(threadId: string, options: { limit?: number } = {}) {
    const turns = this.thread(threadId).turns;
    return options.limit === undefined ? turns : turns.slice(-options.limit);
  }
  async startTurn(threadId: string, options: { text: string }) {
    this.record('startTurn', threadId, options);
    const id = randomUUID();
    this.thread(threadId).turns.push({ id, status: 'completed', error: null, items: [{ id: randomUUID(), type: 'userMessage', text: options.text, raw: {} }] });
    return { turnId: id };
  }
  async steerTurn(threadId: string, options: { expectedTurnId: string }) {
    this.record('steerTurn', threadId, options);
    return { turnId: options.expectedTurnId };
  }
  async interruptTurn(threadId: string, turnId: string) {
    this.record('interruptTurn', threadId, turnId);
  }
  async injectContext(threadId: string, text: string) {
    this.record('injectContext', threadId, text);
  }
  async setName(threadId: string, name: string) {
    this.thread(threadId).name = name;
  }
  async archive(threadId: string) {
    this.record('archive', threadId);
  }
  async unarchive(threadId: string) {
    this.record('unarchive', threadId);
  }
  async fork(threadId: string, options: { cwd?: string; ephemeral: boolean }) {
    const source = this.thread(threadId);
    const forked = await this.startThread({ cwd: options.cwd ?? source.cwd, ephemeral: options.ephemeral });
    this.thread(forked.threadId).turns = [...source.turns];
    return forked;
  }
  async revert(threadId: string, beforeTurnId: string) {
    const t = this.thread(threadId);
    t.turns = t.turns.slice(0, t.turns.findIndex((turn) => turn.id === beforeTurnId));
  }
  async compact(threadId: string) {
    this.record('compact', threadId);
  }
  async goalGet(threadId: string) {
    return this.thread(threadId).goal;
  }
  async goalSet(threadId: string, goal: { objective?: string; status?: string; tokenBudget?: number }) {
    const t = this.thread(threadId);
    t.goal = { objective: goal.objective ?? t.goal?.objective ?? '', status: goal.status ?? 'active', tokenBudget: goal.tokenBudget ?? null, tokensUsed: 0, timeUsedSeconds: 0, createdAt: 0, updatedAt: 0 };
    return t.goal;
  }
  async goalClear(threadId: string) {
    this.thread(threadId).goal = null;
  }
}
