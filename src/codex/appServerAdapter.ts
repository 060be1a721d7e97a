import type { TurnSettings } from '../core/model.js';
import type { AppServer, AppServerInfo, Goal, StartThreadOptions, ThreadSummary, TranscriptTurn } from '../core/ports.js';
import type { AskForApproval, ClientMethods, Thread, ThreadGoal, Turn } from '../protocol/index.js';
import type { ThreadGoalStatus } from '../protocol/generated/v2/ThreadGoalStatus.js';
import { sandboxPolicyFor, type CodexClient } from './client.js';
import { laneItemOf, laneStatusOf, turnFailureOf } from './events.js';

function sourceName(source: Thread['source']): string {
  return typeof source === 'string' ? source : (Object.keys(source)[0] ?? 'unknown');
}

export function threadSummaryOf(thread: Thread, archived?: boolean): ThreadSummary {
  return {
    id: thread.id,
    name: thread.name,
    preview: thread.preview,
    cwd: thread.cwd,
    status: laneStatusOf(thread.status).status,
    source: sourceName(thread.source),
    ephemeral: thread.ephemeral,
    ...(archived === undefined ? {} : { archived }),
    createdAt: thread.createdAt,
    updatedAt: thread.updatedAt,
    forkedFromId: thread.forkedFromId,
  };
}

export function transcriptTurnOf(turn: Turn): TranscriptTurn {
  return {
    id: turn.id,
    status: turn.status,
    error: turn.error ? turnFailureOf(turn.error) : null,
    items: turn.items.map(laneItemOf),
  };
}

function goalOf(goal: ThreadGoal): Goal {
  return {
    objective: goal.objective,
    status: goal.status,
    tokenBudget: goal.tokenBudget,
    tokensUsed: goal.tokensUsed,
    timeUsedSeconds: goal.timeUsedSeconds,
    createdAt: goal.createdAt,
    updatedAt: goal.updatedAt,
  };
}

/** Settings shared by thread/start and thread/fork (the string sandbox encoding). */
function threadSettings(settings: Partial<TurnSettings>) {
  return {
    ...(settings.sandbox ? { sandbox: settings.sandbox } : {}),
    ...(settings.approvalPolicy ? { approvalPolicy: settings.approvalPolicy as AskForApproval } : {}),
    ...(settings.approvalsReviewer ? { approvalsReviewer: settings.approvalsReviewer } : {}),
    ...(settings.model ? { model: settings.model } : {}),
    ...(settings.modelProvider ? { modelProvider: settings.modelProvider } : {}),
    ...(settings.serviceTier ? { serviceTier: settings.serviceTier } : {}),
  };
}

/**
 * The AppServer port over whichever CodexClient is current: the supervisor swaps clients on
 * restart and this adapter always asks it for the live one.
 */
/**
 * Every thread a person or a script started: without sourceKinds codex lists only "interactive"
 * sources, which leaves out `codex exec` threads. Sub-agent threads belong to their parent.
 */
const ATTACHABLE_SOURCES: NonNullable<ClientMethods['thread/list']['params']['sourceKinds']> = ['cli', 'vscode', 'exec', 'appServer', 'unknown'];

export class CodexAppServer implements AppServer {
  private readonly current: () => CodexClient;
  private readonly describe: () => AppServerInfo;
  private readonly restartNow: () => Promise<AppServerInfo>;
  /** Turns wait for this: after a restart the lanes' threads are loaded again first. */
  private turnsHeld: Promise<void> = Promise.resolve();

  constructor(current: () => CodexClient, describe: () => AppServerInfo, restart: () => Promise<AppServerInfo>) {
    this.current = current;
    this.describe = describe;
    this.restartNow = restart;
  }

  info(): AppServerInfo {
    return this.describe();
  }

  /** Holds turn/start, turn/steer and context injection until `loaded` settles (the lanes are resumed). */
  holdTurnsUntil(loaded: Promise<unknown>): void {
    this.turnsHeld = loaded.then(
      () => undefined,
      () => undefined,
    );
  }

  restart(): Promise<AppServerInfo> {
    return this.restartNow();
  }

  async startThread(options: StartThreadOptions): Promise<{ threadId: string; cwd: string }> {
    const { thread } = await this.current().request('thread/start', {
      cwd: options.cwd,
      ephemeral: options.ephemeral,
      ...threadSettings(options.settings),
      ...(options.settings.personality ? { personality: options.settings.personality } : {}),
      ...(options.baseInstructions ? { baseInstructions: options.baseInstructions } : {}),
      ...(options.developerInstructions ? { developerInstructions: options.developerInstructions } : {}),
    });
    return { threadId: thread.id, cwd: thread.cwd };
  }

  async readThread(threadId: string): Promise<ThreadSummary> {
    const { thread } = await this.current().request('thread/read', { threadId, includeTurns: false });
    return threadSummaryOf(thread);
  }

  async resumeThread(threadId: string): Promise<ThreadSummary> {
    const { thread } = await this.current().request('thread/resume', { threadId, excludeTurns: true });
    return threadSummaryOf(thread);
  }

  async listThreads(options: { limit: number; cursor?: string | null; archived?: boolean }) {
    const page = await this.current().request('thread/list', {
      limit: options.limit,
      cursor: options.cursor ?? null,
      useStateDbOnly: true,
      sourceKinds: ATTACHABLE_SOURCES,
      ...(options.archived === undefined ? {} : { archived: options.archived }),
    });
    return { threads: page.data.map((t) => threadSummaryOf(t, options.archived)), nextCursor: page.nextCursor };
  }

  async listTurns(threadId: string, options: { limit?: number } = {}): Promise<TranscriptTurn[]> {
    const turns = await this.current().listTurns(threadId, options.limit === undefined ? {} : { limit: options.limit });
    return turns.map(transcriptTurnOf);
  }

  async startTurn(threadId: string, options: { text: string; cwd: string; settings: TurnSettings; clientUserMessageId?: string }) {
    await this.turnsHeld;
    const s = options.settings;
    const turn = await this.current().turnStart({
      threadId,
      text: options.text,
      cwd: options.cwd,
      approvalPolicy: s.approvalPolicy as AskForApproval,
      sandboxPolicy: sandboxPolicyFor(s.sandbox, options.cwd),
      ...(s.approvalsReviewer ? { approvalsReviewer: s.approvalsReviewer } : {}),
      ...(s.model ? { model: s.model } : {}),
      ...(s.effort ? { effort: s.effort } : {}),
      ...(s.summary ? { summary: s.summary } : {}),
      ...(s.personality ? { personality: s.personality } : {}),
      ...(s.serviceTier ? { serviceTier: s.serviceTier } : {}),
      ...(s.outputSchema === undefined ? {} : { outputSchema: s.outputSchema }),
      ...(options.clientUserMessageId ? { clientUserMessageId: options.clientUserMessageId } : {}),
    });
    return { turnId: turn.id };
  }

  async steerTurn(threadId: string, options: { expectedTurnId: string; text: string; clientUserMessageId?: string }) {
    await this.turnsHeld;
    const turnId = await this.current().turnSteer({ threadId, ...options });
    return { turnId };
  }

  async interruptTurn(threadId: string, turnId: string): Promise<void> {
    await this.current().request('turn/interrupt', { threadId, turnId });
  }

  async injectContext(threadId: string, text: string): Promise<void> {
    await this.turnsHeld;
    // Responses-API items: model-visible context without starting a turn (text only; images unverified).
    await this.current().request('thread/inject_items', {
      threadId,
      items: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }],
    });
  }

  async setName(threadId: string, name: string): Promise<void> {
    await this.current().request('thread/name/set', { threadId, name });
  }

  async archive(threadId: string): Promise<void> {
    await this.current().request('thread/archive', { threadId });
  }

  async unarchive(threadId: string): Promise<void> {
    await this.current().request('thread/unarchive', { threadId });
  }

  async fork(threadId: string, options: { cwd?: string; settings?: Partial<TurnSettings>; ephemeral: boolean }) {
    const { thread } = await this.current().request('thread/fork', {
      threadId,
      ephemeral: options.ephemeral,
      excludeTurns: true,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...threadSettings(options.settings ?? {}),
    });
    return { threadId: thread.id, cwd: thread.cwd };
  }

  async revert(threadId: string, beforeTurnId: string): Promise<void> {
    await this.current().request('thread/revert', { threadId, beforeTurnId });
  }

  async compact(threadId: string): Promise<void> {
    await this.current().request('thread/compact/start', { threadId });
  }

  async goalGet(threadId: string): Promise<Goal | null> {
    const { goal } = await this.current().request('thread/goal/get', { threadId });
    return goal ? goalOf(goal) : null;
  }

  async goalSet(threadId: string, goal: { objective?: string; status?: string; tokenBudget?: number }): Promise<Goal> {
    const result = await this.current().request('thread/goal/set', {
      threadId,
      ...(goal.objective === undefined ? {} : { objective: goal.objective }),
      ...(goal.status === undefined ? {} : { status: goal.status as ThreadGoalStatus }),
      ...(goal.tokenBudget === undefined ? {} : { tokenBudget: goal.tokenBudget }),
    });
    return goalOf(result.goal);
  }

  async goalClear(threadId: string): Promise<void> {
    await this.current().request('thread/goal/clear', { threadId });
  }
}

