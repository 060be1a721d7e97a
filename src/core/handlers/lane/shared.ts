// What several lane handlers share.
import { DispatchError } from '../../../shared/errors.js';
import type { OpContext } from '../../context.js';
import { requireLane } from '../../lanes.js';
import { appServerFailureOf } from '../../ports.js';
import type { Lane } from '../../model.js';

export function requireFreeHandle(ctx: OpContext, handle: string, except?: string): void {
  const taken = ctx.store.lanes.findByHandle(handle).filter((lane) => lane.id !== except);
  if (taken.length > 0) throw new DispatchError('conflict', `lane handle '${handle}' is already taken`, { data: { lane: taken[0]?.id } });
}

/** Names the codex thread after the lane; failure is logged, not fatal (the lane works without it). */
export async function nameThread(ctx: OpContext, lane: Lane, name: string): Promise<void> {
  try {
    await ctx.appServer.setName(lane.id, name);
  } catch (error) {
    ctx.log.warn('lane.name_set_failed', { lane: lane.id, error: (error as Error).message });
  }
}

/** The last `limit` items of a lane's persisted history, oldest first. */
export async function readTranscript(ctx: OpContext, lane: Lane, limit: number) {
  const turns = await ctx.appServer.listTurns(lane.id, { limit });
  const items = turns.flatMap((turn) =>
    turn.items.map((item) => ({ turn_id: turn.id, item_id: item.id, type: item.type, text: item.text ?? item.command ?? null })),
  );
  return items.slice(-limit);
}

/** Gives a lane a new handle; triggers and subscriptions follow it, as they hold the lane's id. */
export async function renameLane(ctx: OpContext, lane: Lane, handle: string): Promise<Lane> {
  if (handle === lane.handle) return lane;
  requireFreeHandle(ctx, handle, lane.id);
  const renamed = ctx.store.transaction(() => {
    ctx.journal.record({ type: 'laneRenamed', laneId: lane.id, from: lane.handle, handle });
    ctx.store.audit.record({ op: 'lane.rename', lane: lane.id, detail: `${lane.handle} → ${handle}` });
    return requireLane(ctx.store, lane.id);
  });
  if (lane.source === 'own') await nameThread(ctx, renamed, handle.slice(1));
  return renamed;
}

export function isNoRollout(error: unknown): boolean {
  return appServerFailureOf(error) === 'no_rollout';
}
