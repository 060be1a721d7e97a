// What several trigger handlers share.
import { randomBytes } from 'node:crypto';
import { DispatchError } from '../../../shared/errors.js';
import type { OpContext } from '../../context.js';
import { requireNotArchived, requireOwned } from '../../lanes.js';
import type { Lane, Trigger } from '../../model.js';

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

export function getTrigger(ctx: OpContext, id: string): Trigger {
  const trigger = ctx.store.triggers.find(id);
  if (!trigger) throw new DispatchError('not_found', `no trigger '${id}'`);
  return trigger;
}

export function setEnabled(ctx: OpContext, id: string, enabled: boolean) {
  getTrigger(ctx, id);
  const updated = ctx.store.transaction(() => {
    const next = ctx.store.triggers.setEnabled(id, enabled);
    ctx.store.audit.record({ op: enabled ? 'trigger.resume' : 'trigger.pause', triggerId: id });
    return next;
  });
  if (!updated) throw new DispatchError('not_found', `no trigger '${id}'`);
  return triggerViewOf(updated, handleLookup(ctx));
}
