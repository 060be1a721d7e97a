import { resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';
import { goalView } from './shared.js';

export const handleGoalStatus: Handler<'goal.status'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  return { lane: lane.id, goal: goalView(await ctx.appServer.goalGet(lane.id)) };
};
