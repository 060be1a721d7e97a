// What several lane handlers share.
import { DispatchError } from '../../../shared/errors.js';
import type { OpContext } from '../../context.js';
import type { FleetAccess, FleetLane } from '../../fleet.js';
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

/** An item of a turn as a transcript shows it (the thread's history here, a published fact of another station). */
export function transcriptItemOf(turnId: string, item: { id: string; type: string; text?: string | null; command?: string | null }) {
  return { turn_id: turnId, item_id: item.id, type: item.type, text: item.text ?? item.command ?? null };
}

/** The last `limit` items of a lane's persisted history, oldest first. */
export async function readTranscript(ctx: OpContext, lane: Lane, limit: number) {
  const turns = await ctx.appServer.listTurns(lane.id, { limit });
  const items = turns.flatMap((turn) => turn.items.map((item) => transcriptItemOf(turn.id, item)));
  return items.slice(-limit);
}

/**
 * The last `limit` items of another station's lane, from the facts it published: its completed
 * items. Its station's thread history is not reachable from here; the fact stream is.
 */
export async function readRemoteTranscript(fleet: FleetAccess, lane: FleetLane, limit: number) {
  // Each item completes once, among other facts: read a window wide enough for `limit` of them.
  const facts = await fleet.laneFacts(lane.station, lane.laneId, { limit: Math.min(REMOTE_TAIL_FACTS, limit * 8) });
  const items = facts.flatMap((fact) => (fact.type === 'itemCompleted' ? [transcriptItemOf(fact.turnId, fact.item)] : []));
  return items.slice(-limit);
}

/** The most facts `lane tail NAME@STATION` reads from the fleet's fact stream. */
const REMOTE_TAIL_FACTS = 5000;

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
