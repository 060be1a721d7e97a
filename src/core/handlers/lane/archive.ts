import { laneRefOf, requireIdle, requireLane, requireOwned, resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';
import { isNoRollout } from './shared.js';

export const handleLaneArchive: Handler<'lane.archive'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'archive');
  if (lane.status === 'archived') return laneRefOf(lane);
  requireIdle(lane, 'archive');
  try {
    await ctx.appServer.archive(lane.id);
  } catch (error) {
    // A thread that never ran a turn has no rollout to archive; the lane is archived locally.
    if (!isNoRollout(error)) throw error;
  }
  const updated = ctx.store.transaction(() => {
    ctx.journal.record({ type: 'laneArchived', laneId: lane.id });
    ctx.store.audit.record({ op: 'lane.archive', lane: lane.id });
    return requireLane(ctx.store, lane.id);
  });
  return laneRefOf(updated);
};
