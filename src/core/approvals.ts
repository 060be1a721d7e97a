import { DispatchError } from '../shared/errors.js';
import type { Logger } from './context.js';
import type { ApprovalKind } from './laneEvents.js';
import { clip } from './lanes.js';
import { DEFAULT_APPROVAL_ROUTING, type ApprovalDecision, type ApprovalRouting, type ServerRequestRecord } from './model.js';
import type { Store } from './ports.js';

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
  reason?: string;
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
 * Routes every approval codex asks for: a durable row first, then the lane's policy decides or a
 * person answers (`request respond`) before the timeout. Policy, person and timeout race through
 * one atomic claim on the row, so each request is answered exactly once.
 */
export class ApprovalBroker {
  private readonly waiters = new Map<number, (decision: ApprovalDecision) => void>();
  private readonly store: Store;
  private readonly log: Logger;

  constructor(deps: { store: Store; log: Logger }) {
    this.store = deps.store;
    this.log = deps.log;
  }

  /** Resolves with the decision to send codex (never rejects: failures decline). */
  async decide(ask: ApprovalAsk): Promise<ApprovalDecision> {
    const lane = ask.laneId ? this.store.lanes.find(ask.laneId) : undefined;
    const summary = ask.command ? innerCommand(ask.command) : ask.paths?.length ? ask.paths.join(', ') : (ask.reason ?? ask.method);
    const row = this.store.requests.insert({ generation: ask.generation, rpcId: String(ask.rpcId), lane: lane?.id ?? null, method: ask.method, kind: ask.kind, summary });
    // Attached lanes, and threads dispatch does not manage, are never approved on dispatch's say-so.
    const routing = lane?.source === 'own' ? (lane.settings.approvals ?? DEFAULT_APPROVAL_ROUTING) : { ...DEFAULT_APPROVAL_ROUTING, mode: 'deny' as const };
    const automatic = decideByPolicy(routing, ask);
    if (automatic) return this.finish(row, automatic.decision, automatic.by);
    return new Promise<ApprovalDecision>((resolve) => {
      const timer = setTimeout(() => {
        if (this.claim(row, routing.onTimeout, 'timeout', 'expired')) resolve(routing.onTimeout);
      }, routing.timeoutSeconds * 1000);
      timer.unref();
      ask.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          this.waiters.delete(row.id);
          this.store.requests.settle(row.id, 'failed', { decidedBy: 'connection', error: 'the app-server connection closed before an answer' });
          resolve('cancel');
        },
        { once: true },
      );
      this.waiters.set(row.id, (decision) => {
        clearTimeout(timer);
        resolve(decision);
      });
    });
  }

  /** A person's answer. Fails with `conflict` when the request was already answered (by anyone). */
  respond(id: number, answer: string): ServerRequestRecord {
    const row = this.store.requests.find(id);
    if (!row) throw new DispatchError('not_found', `no request ${id}`);
    const decision = DECISIONS[answer];
    if (!decision) throw new DispatchError('validation', `unknown decision '${answer}'`);
    const waiter = this.waiters.get(id);
    if (row.state !== 'pending' || !waiter) {
      throw new DispatchError('conflict', `request ${id} is already ${row.state === 'pending' ? 'unanswerable (its connection is gone)' : `${row.state} (${row.decision ?? row.error ?? ''} by ${row.decidedBy ?? '?'})`}`);
    }
    if (!this.claim(row, decision, 'person', 'answered')) throw new DispatchError('conflict', `request ${id} was answered a moment ago`);
    waiter(decision);
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

  private claim(row: ServerRequestRecord, decision: ApprovalDecision, by: string, state: 'answered' | 'expired'): boolean {
    const won = this.store.transaction(() => {
      if (!this.store.requests.settle(row.id, state, { decision, decidedBy: by })) return false;
      this.store.audit.record({ op: 'approval', lane: row.lane, detail: `request ${row.id} ${row.kind}: ${clip(row.summary, 80)} → ${decision} (${by})`, outcome: decision });
      return true;
    });
    if (won) this.waiters.delete(row.id);
    return won;
  }
}
