import { requireIdle, requireNotArchived, requireOwned, resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';

export const handleLaneCompact: Handler<'lane.compact'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'compact');
  requireNotArchived(lane, 'compact');
  requireIdle(lane, 'compact');
  await ctx.appServer.compact(lane.id);
  ctx.store.audit.record({ op: 'lane.compact', lane: lane.id });
  return { lane: lane.id, handle: lane.handle, op: 'compact', accepted: true, turn_id: null, detail: null };
};
