import { laneRefOf, requireLane, requireOwned, resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';
import { isNoRollout } from './shared.js';

export const handleLaneRestore: Handler<'lane.restore'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'restore');
  if (lane.status !== 'archived') return laneRefOf(lane);
  try {
    await ctx.appServer.unarchive(lane.id);
    // thread/archive unloads the thread and thread/unarchive only moves its rollout back: until it
    // is loaded again, turn/start answers "thread not found".
    await ctx.appServer.resumeThread(lane.id);
  } catch (error) {
    // Never archived in codex (no rollout yet): the thread is still loaded.
    if (!isNoRollout(error)) throw error;
  }
  const updated = ctx.store.transaction(() => {
    ctx.journal.record({ type: 'laneRestored', laneId: lane.id });
    ctx.store.audit.record({ op: 'lane.restore', lane: lane.id });
    return requireLane(ctx.store, lane.id);
  });
  return laneRefOf(updated);
};
