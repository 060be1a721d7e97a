import { randomBytes } from 'node:crypto';
import { DispatchError } from '../../shared/errors.js';
import { localTimeZone, validateCron } from '../cron.js';
import type { Lane, Trigger, TriggerWhen } from '../model.js';
import type { OpContext } from '../context.js';
import { requireNotArchived, requireOwned, resolveLane } from '../lanes.js';
import { unknownTemplateVariables } from '../triggers/plan.js';
import type { Handler } from './types.js';

/** Trigger ids: 8 hex characters, short enough to type. */
export const newTriggerId = (): string => randomBytes(4).toString('hex');

/** How a view finds a lane's current handle from the id a trigger holds. */
export type HandleOf = (laneId: string) => string | null;

export function handleLookup(ctx: Pick<OpContext, 'store'>): HandleOf {
  return (laneId) => ctx.store.lanes.find(laneId)?.handle ?? null;
}

/** A trigger as ops show it: lanes by id plus their current handle, looked up, never stored. */
export function triggerViewOf(trigger: Trigger, handleOf: HandleOf) {
  const w = trigger.when;
  const target = trigger.action.target ?? null;
  return {
    id: trigger.id,
    name: trigger.name,
    lane: handleOf(trigger.lane) ?? trigger.lane,
    lane_id: trigger.lane,
    when: w.kind === 'event' ? w.event : w.kind,
    seconds: w.kind === 'interval' || w.kind === 'idle_for' ? w.seconds : null,
    cron: w.kind === 'cron' ? w.expr : null,
    timezone: w.kind === 'cron' ? (w.timezone ?? null) : null,
    action: trigger.action.kind,
    target: target === null ? null : (handleOf(target) ?? target),
    target_id: target,
    text: trigger.action.text,
    idle_only: trigger.guard.idleOnly,
    min_interval: trigger.guard.minIntervalSeconds,
    dedupe: trigger.guard.dedupe,
    once: trigger.guard.once,
    enabled: trigger.enabled,
    created_at: trigger.createdAt,
    last_fired_at: trigger.lastFiredAt,
    failure_count: trigger.failureCount,
    last_error: trigger.lastError,
  };
}

/**
 * The lane a trigger's action writes to must be one dispatch can write to (owned, not archived);
 * otherwise every firing would fail, so the trigger is refused when it is added.
 */
export function requireWritableTarget(lane: Lane): void {
  requireOwned(lane, 'receive trigger messages');
  requireNotArchived(lane, 'receive trigger messages');
}

function getTrigger(ctx: OpContext, id: string): Trigger {
  const trigger = ctx.store.triggers.find(id);
  if (!trigger) throw new DispatchError('not_found', `no trigger '${id}'`);
  return trigger;
}

export const handleTriggerAdd: Handler<'trigger-add'> = async (input, ctx) => {
  const unknown = unknownTemplateVariables(input.text);
  if (unknown.length > 0) throw new DispatchError('validation', `unknown template variable(s) ${unknown.map((v) => `{{${v}}}`).join(', ')}; use {{lane}}, {{handle}}, {{last_message}}, {{event}}, {{trigger}}, {{time}}`);
  // Resolved once and stored by id, so renaming a lane never disconnects its triggers.
  const watched = resolveLane(ctx.store, input.lane);
  const target = input.target === undefined ? undefined : resolveLane(ctx.store, input.target);
  if (input.action !== 'inbox') requireWritableTarget(target ?? watched);
  let when: TriggerWhen;
  switch (input.when) {
    case 'interval':
    case 'idle_for':
      if (input.seconds === undefined) throw new DispatchError('validation', `${input.when} trigger requires --seconds`);
      when = { kind: input.when, seconds: input.seconds };
      break;
    case 'cron': {
      if (input.cron === undefined) throw new DispatchError('validation', 'cron trigger requires --cron');
      const timezone = input.timezone ?? localTimeZone();
      validateCron(input.cron, timezone);
      when = { kind: 'cron', expr: input.cron, timezone };
      break;
    }
    default:
      when = { kind: 'event', event: input.when };
  }
  if (input.when !== 'cron' && input.timezone !== undefined) throw new DispatchError('validation', '--timezone applies to cron triggers only');
  if (input.when !== 'interval' && input.when !== 'idle_for' && input.seconds !== undefined) {
    throw new DispatchError('validation', `--seconds does not apply to ${input.when} triggers`);
  }
  const trigger = ctx.store.transaction(() => {
    const created = ctx.store.triggers.insert({
      id: newTriggerId(),
      name: input.name,
      lane: watched.id,
      when,
      action: { kind: input.action, text: input.text, ...(target ? { target: target.id } : {}) },
      guard: { idleOnly: input.idle_only, minIntervalSeconds: input.min_interval ?? null, dedupe: input.dedupe, once: input.once },
      enabled: true,
    });
    ctx.store.audit.record({ op: 'trigger-add', lane: watched.id, triggerId: created.id, detail: input.name });
    return created;
  });
  return triggerViewOf(trigger, handleLookup(ctx));
};

export const handleTriggerList: Handler<'trigger-list'> = async (_input, ctx) => {
  const handles = new Map(ctx.store.lanes.list({ includeArchived: true }).map((lane) => [lane.id, lane.handle]));
  return { triggers: ctx.store.triggers.list().map((trigger) => triggerViewOf(trigger, (id) => handles.get(id) ?? null)) };
};

export const handleTriggerRm: Handler<'trigger-rm'> = async (input, ctx) => {
  getTrigger(ctx, input.id);
  ctx.store.transaction(() => {
    ctx.store.triggers.remove(input.id);
    ctx.store.audit.record({ op: 'trigger-rm', triggerId: input.id });
  });
  return { id: input.id, removed: true };
};

function setEnabled(ctx: OpContext, id: string, enabled: boolean) {
  getTrigger(ctx, id);
  const updated = ctx.store.transaction(() => {
    const next = ctx.store.triggers.setEnabled(id, enabled);
    ctx.store.audit.record({ op: enabled ? 'trigger-resume' : 'trigger-pause', triggerId: id });
    return next;
  });
  if (!updated) throw new DispatchError('not_found', `no trigger '${id}'`);
  return triggerViewOf(updated, handleLookup(ctx));
}

export const handleTriggerPause: Handler<'trigger-pause'> = async (input, ctx) => setEnabled(ctx, input.id, false);
export const handleTriggerResume: Handler<'trigger-resume'> = async (input, ctx) => setEnabled(ctx, input.id, true);
