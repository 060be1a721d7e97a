import { requireOwned, resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';

export const handleGoalClear: Handler<'goal.clear'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'clear a goal');
  await ctx.appServer.goalClear(lane.id);
  ctx.store.audit.record({ op: 'goal.clear', lane: lane.id });
  return { lane: lane.id, goal: null };
};
