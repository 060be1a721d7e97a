// What several trigger handlers share.
import { randomBytes } from 'node:crypto';
import { DispatchError } from '../../../shared/errors.js';
import type { OpContext } from '../../context.js';
import type { FleetLane } from '../../fleet.js';
import { requireNotArchived, requireOwned, resolveLane } from '../../lanes.js';
import type { Lane, Trigger } from '../../model.js';
import { remoteHandles, remoteSelectorOf, routeLane } from '../../remoteLanes.js';
import { remoteLaneKey } from '../../triggers/remote.js';

/** Trigger ids: 8 hex characters, short enough to type. */
export const newTriggerId = (): string => randomBytes(4).toString('hex');

/** How a view finds a lane's current handle from the id a trigger holds. */
export type HandleOf = (laneId: string) => string | null;

/** Local lanes from the registry; `known` names lanes of other stations (stored `<laneId>@<station>`). */
export function handleLookup(ctx: Pick<OpContext, 'store'>, known: ReadonlyMap<string, string> = new Map()): HandleOf {
  return (laneId) => known.get(laneId) ?? ctx.store.lanes.find(laneId)?.handle ?? null;
}

/** The lookup for views of these triggers: the directory is read only when one of them names another station's lane. */
export async function triggersHandleLookup(ctx: Pick<OpContext, 'store' | 'fleet'>, triggers: readonly Trigger[]): Promise<HandleOf> {
  const local = new Map(ctx.store.lanes.list({ includeArchived: true }).map((lane) => [lane.id, lane.handle]));
  const remote = await remoteHandles(ctx, triggers.flatMap((t) => [t.lane, t.action.target ?? null]));
  return (laneId) => remote.get(laneId) ?? local.get(laneId) ?? null;
}

/** A lane a trigger names, resolved once: what it stores (`id`: a lane id, or `<laneId>@<station>`) and shows. */
export interface TriggerLane {
  id: string;
  handle: string;
  local?: Lane;
  remote?: FleetLane;
}

/** Resolves a trigger's lane here, or (NAME@STATION) in the fleet's lane directory. */
export async function resolveTriggerLane(ctx: Pick<OpContext, 'store' | 'fleet'>, selector: string): Promise<TriggerLane> {
  const route = routeLane(ctx, selector);
  if ('local' in route) {
    const lane = resolveLane(ctx.store, route.local);
    return { id: lane.id, handle: lane.handle, local: lane };
  }
  const remote = await route.fleet.findLane(route.remote);
  return { id: remoteLaneKey(remote.station, remote.laneId), handle: remoteSelectorOf(remote), remote };
}

/** The stored ids of resolved trigger lanes, each with the name views show. */
export const namesOf = (...lanes: Array<TriggerLane | undefined | null>): Map<string, string> => new Map(lanes.flatMap((lane) => (lane ? [[lane.id, lane.handle] as const] : [])));

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

/** The same for a lane of either station (another station's as its directory shows it). */
export function requireWritableTriggerLane(lane: TriggerLane): void {
  if (lane.local) requireWritableTarget(lane.local);
  else if (lane.remote?.status === 'archived') throw new DispatchError('validation', `lane ${lane.handle} is archived; restore it on its station to receive trigger messages`);
}

export function getTrigger(ctx: OpContext, id: string): Trigger {
  const trigger = ctx.store.triggers.find(id);
  if (!trigger) throw new DispatchError('not_found', `no trigger '${id}'`);
  return trigger;
}

export async function setEnabled(ctx: OpContext, id: string, enabled: boolean) {
  getTrigger(ctx, id);
  const updated = ctx.store.transaction(() => {
    const next = ctx.store.triggers.setEnabled(id, enabled);
    ctx.store.audit.record({ op: enabled ? 'trigger.resume' : 'trigger.pause', triggerId: id });
    return next;
  });
  if (!updated) throw new DispatchError('not_found', `no trigger '${id}'`);
  return triggerViewOf(updated, await triggersHandleLookup(ctx, [updated]));
}
