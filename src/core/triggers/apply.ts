import { DispatchError } from '../../shared/errors.js';
import type { Logger, OpContext } from '../context.js';
import { deliver } from '../deliveries.js';
import type { LaneEvent } from '../laneEvents.js';
import { clip, requireNotArchived, requireOwned } from '../lanes.js';
import type { Lane, Trigger } from '../model.js';
import { formatLaneRef, notInFleet, type RemoteLaneRef } from '../fleet.js';
import { refOfRemoteKey, splitRemoteKey } from './remote.js';
import { afterFiring, checkGuards, cronProblem, dueTimeTriggers, matchEventTriggers, NO_LANE_FACTS, renderTriggerText, triggerTemplateVars, type LaneFacts } from './plan.js';

/**
 * What firing needs: the delivery context (triggers deliver through the ledger like any send), and
 * in a fleet the outbox (`fleet`) and the lanes of other stations as last published (`remoteLanes`).
 */
export type TriggerContext = Pick<OpContext, 'store' | 'journal' | 'appServer' | 'clock' | 'log' | 'callerCwd' | 'feed' | 'failpoint' | 'drainQueue' | 'capacity' | 'fleet'> & {
  remoteLanes?: RemoteLanes;
};

/** Other stations' lanes by remote key (`<laneId>@<station>`), as their stations last published them. */
export interface RemoteLanes {
  lane(key: string): Lane | undefined;
}

export interface FiringResult {
  fired: boolean;
  outcome: string;
  receipt?: number;
}

/** Triggers hold lane ids (remote keys for other stations' lanes); a lane that is gone is undefined, and the firing reports it. */
function laneById(ctx: TriggerContext, laneId: string): Lane | undefined {
  return ctx.store.lanes.find(laneId) ?? (splitRemoteKey(laneId) ? ctx.remoteLanes?.lane(laneId) : undefined);
}

/**
 * Fires one trigger: renders its text (lane, handle, last message, event…), applies its guards,
 * and delivers through the ledger with source `trigger:<id>`. A `send` to a busy target is queued
 * rather than refused, so automation never drops a message. Every firing is audited; a failure is
 * recorded as the outcome and never escapes (one bad trigger cannot stop the others).
 */
export async function fireTrigger(ctx: TriggerContext, trigger: Trigger, eventName: string, watched: Lane | undefined, lastMessage?: string): Promise<FiringResult> {
  const now = ctx.clock.now();
  const target = laneById(ctx, trigger.action.target ?? trigger.lane);
  const text = renderTriggerText(trigger.action.text, triggerTemplateVars({ trigger, lane: watched, event: eventName, now, ...(lastMessage === undefined ? {} : { lastMessage }) }));
  const lastText =
    trigger.action.kind === 'inbox' ? ctx.store.inbox.latestForTrigger(trigger.id)?.text : ctx.store.deliveries.latestBySource(`trigger:${trigger.id}`)?.text;
  const decision = checkGuards(trigger, { now, target, renderedText: text, lastText });
  if (!decision.fire) return { fired: false, outcome: `skipped: ${decision.reason}` };
  let result: FiringResult;
  let failure: string | null = null;
  try {
    const kind = trigger.action.kind;
    result = kind === 'inbox' ? toInbox(ctx, trigger, watched, eventName, text) : await toLane(ctx, trigger, kind, target, text);
  } catch (error) {
    const code = error instanceof DispatchError ? error.code : 'internal';
    result = { fired: true, outcome: code };
    // Kept with the trigger, so `trigger list` says it is failing (not only the audit log).
    failure = `${code}: ${(error as Error).message}`;
    ctx.log.warn('trigger.action_failed', { trigger: trigger.id, error: (error as Error).message });
  }
  ctx.store.transaction(() => {
    ctx.store.triggers.markFired(trigger.id, now.toISOString(), failure);
    ctx.journal.record({ type: 'triggerFired', laneId: watched?.id ?? trigger.lane, triggerId: trigger.id, event: eventName, outcome: result.outcome, ...(result.receipt ? { receipt: result.receipt } : {}) });
    if (afterFiring(trigger).disable) ctx.store.triggers.setEnabled(trigger.id, false);
    ctx.store.audit.record({
      op: 'trigger-fire',
      lane: target?.id ?? trigger.action.target ?? trigger.lane,
      triggerId: trigger.id,
      detail: `${eventName}: ${clip(text, 80)}${result.receipt ? ` (receipt ${result.receipt})` : ''}`,
      outcome: result.outcome,
    });
  });
  return result;
}

function toInbox(ctx: TriggerContext, trigger: Trigger, watched: Lane | undefined, eventName: string, text: string): FiringResult {
  const item = ctx.store.transaction(() => {
    const row = ctx.store.inbox.insert({ lane: watched?.id ?? trigger.lane, event: eventName, text, triggerId: trigger.id });
    ctx.journal.record({ type: 'inboxItem', laneId: row.lane, item: row.id, triggerId: trigger.id, event: eventName });
    return row;
  });
  return { fired: true, outcome: `inbox ${item.id}` };
}

async function toLane(ctx: TriggerContext, trigger: Trigger, kind: 'send' | 'steer' | 'context', target: Lane | undefined, text: string): Promise<FiringResult> {
  const remote = refOfRemoteKey(trigger.action.target ?? trigger.lane);
  if (remote) return toRemoteLane(ctx, trigger, kind, remote, text);
  if (!target) throw new DispatchError('not_found', `trigger target lane ${trigger.action.target ?? trigger.lane} no longer exists`);
  requireOwned(target, 'receive trigger messages');
  // An archived lane would hold a queued message forever; the firing fails visibly instead.
  requireNotArchived(target, 'receive trigger messages');
  // Queued when the lane is busy or codex is not running: the message waits instead of failing.
  const ready = (target.status === 'idle' || target.status === 'error') && ctx.appServer.info().state === 'running';
  const mode = kind === 'send' ? (ready ? 'send' : 'queue') : kind;
  const { delivery } = await deliver(ctx, { lane: target, mode, text, source: `trigger:${trigger.id}` });
  return { fired: true, outcome: delivery.state, receipt: delivery.id };
}


/**
 * A lane of another station: the message goes to this station's outbox and from there to the
 * target's ledger, which decides busy or idle itself (a `send` goes as `queue`, so it waits instead
 * of being refused). Firing does not need the fleet's database to be reachable.
 */
function toRemoteLane(ctx: TriggerContext, trigger: Trigger, kind: 'send' | 'steer' | 'context', remote: RemoteLaneRef, text: string): FiringResult {
  if (!ctx.fleet) throw notInFleet(formatLaneRef(remote));
  const entry = ctx.fleet.send(remote, { mode: kind === 'send' ? 'queue' : kind, text, source: `trigger:${trigger.id}` });
  return { fired: true, outcome: `mail m${entry.id} ${entry.state}` };
}

/**
 * Fires the event triggers a lane event sets off, one at a time and in wire order: the caller
 * chains calls, so a slow firing never reorders events. `facts` are the lane's as of the event
 * (taken when it arrived, not when its turn in the chain comes).
 */
export async function fireEventTriggers(ctx: TriggerContext, event: LaneEvent, facts: LaneFacts = NO_LANE_FACTS): Promise<void> {
  const matches = matchEventTriggers(event, ctx.store.triggers.list(), (laneId) => laneById(ctx, laneId), facts);
  if (matches.length === 0) return;
  const watched = laneById(ctx, event.laneId);
  const lastMessage = event.type === 'turnCompleted' ? event.lastAgentMessage : undefined;
  for (const { trigger, eventName } of matches) await fireTrigger(ctx, trigger, eventName, watched, lastMessage);
}

/** One scheduler pass: fires every due time trigger (interval, cron, idle_for); returns how many fired. */
export async function fireDueTimeTriggers(ctx: TriggerContext, reportedProblems: Set<string>, log: Logger): Promise<number> {
  const triggers = ctx.store.triggers.list();
  for (const trigger of triggers) {
    const problem = trigger.enabled ? cronProblem(trigger) : null;
    if (problem && !reportedProblems.has(trigger.id)) {
      reportedProblems.add(trigger.id);
      log.warn('trigger.cron_invalid', { trigger: trigger.id, problem });
    }
  }
  let fired = 0;
  for (const trigger of dueTimeTriggers(triggers, (laneId) => laneById(ctx, laneId), ctx.clock.now())) {
    const watched = laneById(ctx, trigger.lane);
    const result = await fireTrigger(ctx, trigger, trigger.when.kind, watched);
    if (result.fired) fired++;
  }
  return fired;
}
