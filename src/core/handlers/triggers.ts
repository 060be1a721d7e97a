import { randomBytes } from 'node:crypto';
import { DispatchError } from '../../shared/errors.js';
import { localTimeZone, validateCron } from '../cron.js';
import type { Trigger, TriggerWhen } from '../model.js';
import type { OpContext } from '../context.js';
import { resolveLane } from '../lanes.js';
import { unknownTemplateVariables } from '../triggers/plan.js';
import type { Handler } from './types.js';

/** Trigger ids: 8 hex characters, short enough to type. */
export const newTriggerId = (): string => randomBytes(4).toString('hex');

export function triggerViewOf(trigger: Trigger) {
  const w = trigger.when;
  return {
    id: trigger.id,
    name: trigger.name,
    lane: trigger.lane,
    when: w.kind === 'event' ? w.event : w.kind,
    seconds: w.kind === 'interval' || w.kind === 'idle_for' ? w.seconds : null,
    cron: w.kind === 'cron' ? w.expr : null,
    timezone: w.kind === 'cron' ? (w.timezone ?? null) : null,
    action: trigger.action.kind,
    target: trigger.action.target ?? null,
    text: trigger.action.text,
    idle_only: trigger.guard.idleOnly,
    min_interval: trigger.guard.minIntervalSeconds,
    dedupe: trigger.guard.dedupe,
    once: trigger.guard.once,
    enabled: trigger.enabled,
    created_at: trigger.createdAt,
    last_fired_at: trigger.lastFiredAt,
  };
}

function getTrigger(ctx: OpContext, id: string): Trigger {
  const trigger = ctx.store.triggers.find(id);
  if (!trigger) throw new DispatchError('not_found', `no trigger '${id}'`);
  return trigger;
}

export const handleTriggerAdd: Handler<'trigger-add'> = async (input, ctx) => {
  const unknown = unknownTemplateVariables(input.text);
  if (unknown.length > 0) throw new DispatchError('validation', `unknown template variable(s) ${unknown.map((v) => `{{${v}}}`).join(', ')}; use {{lane}}, {{handle}}, {{last_message}}, {{event}}, {{trigger}}, {{time}}`);
  // Selectors are stored as typed and resolved at each firing; they must name a lane today.
  resolveLane(ctx.store, input.lane);
  if (input.target !== undefined) resolveLane(ctx.store, input.target);
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
      lane: input.lane,
      when,
      action: { kind: input.action, text: input.text, ...(input.target ? { target: input.target } : {}) },
      guard: { idleOnly: input.idle_only, minIntervalSeconds: input.min_interval ?? null, dedupe: input.dedupe, once: input.once },
      enabled: true,
    });
    ctx.store.audit.record({ op: 'trigger-add', lane: input.lane, triggerId: created.id, detail: input.name });
    return created;
  });
  return triggerViewOf(trigger);
};

export const handleTriggerList: Handler<'trigger-list'> = async (_input, ctx) => ({ triggers: ctx.store.triggers.list().map(triggerViewOf) });

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
  return triggerViewOf(updated);
}

export const handleTriggerPause: Handler<'trigger-pause'> = async (input, ctx) => setEnabled(ctx, input.id, false);
export const handleTriggerResume: Handler<'trigger-resume'> = async (input, ctx) => setEnabled(ctx, input.id, true);
