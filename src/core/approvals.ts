import { DispatchError } from '../shared/errors.js';
import type { Logger } from './context.js';
import type { ApprovalKind, LaneEvent } from './laneEvents.js';
import { clip } from './lanes.js';
import { DEFAULT_APPROVAL_ROUTING, type ApprovalDecision, type ApprovalRouting, type PromptReply, type RequestPrompt, type ServerRequestRecord } from './model.js';
import type { Store } from './ports.js';
import { keptAnswer, promptSummary, replyFromAnswers } from './promptAnswers.js';

export interface ApprovalAsk {
  generation: number;
  rpcId: string | number;
  laneId: string;
  method: string;
  kind: ApprovalKind;
  /** The command line, for command approvals. */
  command?: string;
  /** Paths the change touches, for file-change approvals (from the item codex announced). */
  paths?: string[];
  /** The item the request is about: file-change requests carry no paths, the item announced before them does. */
  itemId?: string;
  reason?: string;
  signal: AbortSignal;
}

/** A request that asks a person something (user input, MCP elicitation) rather than for permission. */
export interface PromptAsk {
  generation: number;
  rpcId: string | number;
  laneId: string;
  method: string;
  kind: 'userInput' | 'elicitation';
  prompt: RequestPrompt;
  signal: AbortSignal;
}

/** `bash -lc 'npm test'` → `npm test`: rules match what the agent asked to run, not the shell wrapper. */
export function innerCommand(command: string): string {
  const m = /^\/bin\/(?:ba|z)?sh\s+-l?c\s+'([\s\S]*)'$/.exec(command.trim());
  return (m?.[1] ?? command).replace(/'\\''/g, "'").trim();
}

/** The decision a lane's rules and mode give without asking anyone, or undefined to ask. */
export function decideByPolicy(routing: ApprovalRouting, ask: Pick<ApprovalAsk, 'kind' | 'command' | 'paths'>): { decision: ApprovalDecision; by: string } | undefined {
  const command = ask.command === undefined ? undefined : innerCommand(ask.command);
  for (const rule of routing.rules) {
    if (rule.command !== undefined && command !== undefined && (command === rule.command || command.startsWith(`${rule.command} `))) {
      return { decision: rule.decision, by: `rule ${rule.decision} command "${rule.command}"` };
    }
    if (rule.path !== undefined && ask.paths && ask.paths.length > 0 && ask.paths.every((p) => p.includes(rule.path ?? '\u0000'))) {
      return { decision: rule.decision, by: `rule ${rule.decision} path "${rule.path}"` };
    }
  }
  if (routing.mode === 'allow') return { decision: 'accept', by: 'policy allow' };
  if (routing.mode === 'deny') return { decision: 'decline', by: 'policy deny' };
  return undefined;
}

const DECISIONS: Record<string, ApprovalDecision> = { accept: 'accept', 'accept-for-session': 'acceptForSession', acceptForSession: 'acceptForSession', decline: 'decline', cancel: 'cancel' };

/**
 * Routes every approval and every question codex asks: a durable row first, then the lane's policy
 * decides or a person answers (`request respond`) before the timeout. Policy, person and timeout
 * race through one atomic claim on the row, so each request is answered exactly once.
 */
/** How many announced items' paths the broker remembers for requests still to come. */
const REMEMBERED_ITEMS = 1000;

export class ApprovalBroker {
  private readonly waiters = new Map<number, (answer: ApprovalDecision | PromptReply) => void>();
  private readonly itemPaths = new Map<string, string[]>();
  private readonly store: Store;
  private readonly log: Logger;

  constructor(deps: { store: Store; log: Logger }) {
    this.store = deps.store;
    this.log = deps.log;
  }

  /** Remembers the paths of announced items, which the file-change requests that follow do not carry. */
  observe(event: LaneEvent): void {
    if (event.type !== 'itemStarted' || !event.item.paths) return;
    this.itemPaths.set(event.item.id, event.item.paths);
    if (this.itemPaths.size > REMEMBERED_ITEMS) this.itemPaths.delete(this.itemPaths.keys().next().value ?? '');
  }

  /** Resolves with the decision to send codex (never rejects: failures decline). */
  async decide(asked: ApprovalAsk): Promise<ApprovalDecision> {
    const paths = asked.paths ?? (asked.itemId === undefined ? undefined : this.itemPaths.get(asked.itemId));
    const ask = paths ? { ...asked, paths } : asked;
    const lane = ask.laneId ? this.store.lanes.find(ask.laneId) : undefined;
    const summary = ask.command ? innerCommand(ask.command) : ask.paths?.length ? ask.paths.join(', ') : (ask.reason ?? ask.method);
    const row = this.store.requests.insert({ generation: ask.generation, rpcId: String(ask.rpcId), lane: lane?.id ?? null, method: ask.method, kind: ask.kind, summary, prompt: null });
    // Attached lanes, and threads dispatch does not manage, are never approved on dispatch's say-so.
    const routing = lane?.source === 'own' ? (lane.settings.approvals ?? DEFAULT_APPROVAL_ROUTING) : { ...DEFAULT_APPROVAL_ROUTING, mode: 'deny' as const };
    const automatic = decideByPolicy(routing, ask);
    if (automatic) return this.finish(row, automatic.decision, automatic.by);
    return this.waitForPerson<ApprovalDecision>(row, routing, routing.onTimeout, 'cancel', ask.signal);
  }

  /**
   * Resolves with the reply to send codex (never rejects: failures decline). Only a lane dispatch
   * owns in `ask` mode asks a person; otherwise nobody is there to answer, so it declines at once.
   */
  async ask(ask: PromptAsk): Promise<PromptReply> {
    const lane = ask.laneId ? this.store.lanes.find(ask.laneId) : undefined;
    const prompt = ask.prompt;
    const row = this.store.requests.insert({ generation: ask.generation, rpcId: String(ask.rpcId), lane: lane?.id ?? null, method: ask.method, kind: ask.kind, summary: promptSummary(prompt), prompt });
    const routing = lane?.source === 'own' ? (lane.settings.approvals ?? DEFAULT_APPROVAL_ROUTING) : undefined;
    if (!routing || routing.mode !== 'ask') {
      const by = routing ? `policy ${routing.mode} (no one is asked)` : 'policy deny (not a dispatch lane)';
      this.claim(row, 'decline', by, 'answered');
      return { decision: 'decline' };
    }
    return this.waitForPerson<PromptReply>(row, routing, { decision: routing.onTimeout }, { decision: 'cancel' }, ask.signal);
  }

  /**
   * A person's answer: a decision for an approval; for a question, `--answer` values (accept is
   * implied) or decline. Fails with `conflict` when the request was already answered (by anyone).
   */
  respond(id: number, decisionText?: string, answers: readonly string[] = []): ServerRequestRecord {
    const row = this.store.requests.find(id);
    if (!row) throw new DispatchError('not_found', `no request ${id}`);
    let answer: ApprovalDecision | PromptReply;
    let kept: Record<string, unknown> | undefined;
    if (row.prompt) {
      const decision = decisionText ?? 'accept';
      if (decision !== 'accept' && decision !== 'decline' && decision !== 'cancel') throw new DispatchError('validation', `a ${row.kind} request takes accept, decline or cancel, not '${decision}'`);
      const reply = replyFromAnswers(row.prompt, decision, answers);
      answer = reply;
      kept = keptAnswer(row.prompt, reply);
    } else {
      if (answers.length > 0) throw new DispatchError('validation', `request ${id} is an approval: answer accept, accept-for-session, decline or cancel (it takes no answer values)`, { data: { fields: ['answer'] } });
      const decision = decisionText === undefined ? undefined : DECISIONS[decisionText];
      if (!decision) throw new DispatchError('validation', decisionText === undefined ? `request ${id} is an approval: give a decision (accept, accept-for-session, decline, cancel)` : `unknown decision '${decisionText}'`);
      answer = decision;
    }
    const waiter = this.waiters.get(id);
    if (row.state !== 'pending' || !waiter) {
      throw new DispatchError('conflict', `request ${id} is already ${row.state === 'pending' ? 'unanswerable (its connection is gone)' : `${row.state} (${row.decision ?? row.error ?? ''} by ${row.decidedBy ?? '?'})`}`);
    }
    if (!this.claim(row, typeof answer === 'string' ? answer : answer.decision, 'person', 'answered', kept)) throw new DispatchError('conflict', `request ${id} was answered a moment ago`);
    waiter(answer);
    return this.store.requests.find(id) ?? row;
  }

  /** After a restart: requests of older connections can never be answered. */
  failStale(generation: number): number {
    const failed = this.store.requests.failStale(generation, 'the app-server restarted; this request died with its connection');
    if (failed > 0) this.log.warn('approvals.failed_stale', { failed, generation });
    return failed;
  }

  private finish(row: ServerRequestRecord, decision: ApprovalDecision, by: string): ApprovalDecision {
    this.claim(row, decision, by, 'answered');
    return decision;
  }

  /** Waits for `respond`; the timeout and a closed connection race it for the row's one claim. */
  private waitForPerson<T extends ApprovalDecision | PromptReply>(row: ServerRequestRecord, routing: ApprovalRouting, onTimeout: T, onAbort: T, signal: AbortSignal): Promise<T> {
    return new Promise<T>((resolve) => {
      const timer = setTimeout(() => {
        if (this.claim(row, routing.onTimeout, 'timeout', 'expired')) resolve(onTimeout);
      }, routing.timeoutSeconds * 1000);
      timer.unref();
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          this.waiters.delete(row.id);
          this.store.requests.settle(row.id, 'failed', { decidedBy: 'connection', error: 'the app-server connection closed before an answer' });
          resolve(onAbort);
        },
        { once: true },
      );
      this.waiters.set(row.id, (answer) => {
        clearTimeout(timer);
        // respond() built the answer for this row's kind, so it is the T this wait was started with.
        resolve(answer as T);
      });
    });
  }

  private claim(row: ServerRequestRecord, decision: string, by: string, state: 'answered' | 'expired', answer?: Record<string, unknown>): boolean {
    const won = this.store.transaction(() => {
      if (!this.store.requests.settle(row.id, state, { decision, decidedBy: by, ...(answer ? { answer } : {}) })) return false;
      // Question ids only: answers are the person's words (and may be secret); the registry row keeps the non-secret ones.
      const answered = answer ? ` [${Object.keys(answer).join(', ')}]` : '';
      this.store.audit.record({
        op: row.prompt ? 'question' : 'approval',
        lane: row.lane,
        detail: `request ${row.id} ${row.kind}: ${clip(row.summary, 80)} → ${decision}${answered} (${by})`,
        outcome: decision,
      });
      return true;
    });
    if (won) this.waiters.delete(row.id);
    return won;
  }
}
