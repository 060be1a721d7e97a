import { DispatchError } from '../../../shared/errors.js';
import { localTimeZone, validateCron } from '../../cron.js';
import type { TriggerWhen } from '../../model.js';
import { unknownTemplateVariables } from '../../triggers/plan.js';
import type { Handler } from '../types.js';
import { handleLookup, namesOf, newTriggerId, requireWritableTriggerLane, resolveTriggerLane, triggerViewOf } from './shared.js';

export const handleTriggerAdd: Handler<'trigger.add'> = async (input, ctx) => {
  const unknown = unknownTemplateVariables(input.text);
  if (unknown.length > 0) throw new DispatchError('validation', `unknown template variable(s) ${unknown.map((v) => `{{${v}}}`).join(', ')}; use {{lane}}, {{handle}}, {{last_message}}, {{event}}, {{trigger}}, {{time}}`);
  // Resolved once and stored by id (another station's lane as <laneId>@<station>), so renaming a lane never disconnects its triggers.
  const watched = await resolveTriggerLane(ctx, input.lane);
  const target = input.target === undefined ? undefined : await resolveTriggerLane(ctx, input.target);
  if (input.action !== 'inbox') requireWritableTriggerLane(target ?? watched);
  let when: TriggerWhen;
  switch (input.when) {
    case 'interval':
    case 'idle_for':
      if (input.seconds === undefined) throw new DispatchError('validation', `${input.when} trigger requires seconds`, { data: { fields: ['seconds'] } });
      when = { kind: input.when, seconds: input.seconds };
      break;
    case 'cron': {
      if (input.cron === undefined) throw new DispatchError('validation', 'cron trigger requires cron', { data: { fields: ['cron'] } });
      const timezone = input.timezone ?? localTimeZone();
      validateCron(input.cron, timezone);
      when = { kind: 'cron', expr: input.cron, timezone };
      break;
    }
    default:
      when = { kind: 'event', event: input.when };
  }
  if (input.when !== 'cron' && input.timezone !== undefined) throw new DispatchError('validation', 'timezone applies to cron triggers only', { data: { fields: ['timezone'] } });
  if (input.when !== 'interval' && input.when !== 'idle_for' && input.seconds !== undefined) {
    throw new DispatchError('validation', `seconds does not apply to ${input.when} triggers`, { data: { fields: ['seconds'] } });
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
    ctx.store.audit.record({ op: 'trigger.add', lane: watched.id, triggerId: created.id, detail: input.name });
    return created;
  });
  return triggerViewOf(trigger, handleLookup(ctx, namesOf(watched, target)));
};
