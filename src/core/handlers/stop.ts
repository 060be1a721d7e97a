import { requireActiveTurn, requireOwned, resolveLane } from '../lanes.js';
import type { Handler } from './types.js';

export const handleStop: Handler<'stop'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'stop');
  const turnId = requireActiveTurn(lane, 'stop');
  await ctx.appServer.interruptTurn(lane.id, turnId);
  ctx.store.audit.record({ op: 'stop', lane: lane.id, detail: turnId });
  return { lane: lane.id, handle: lane.handle, op: 'stop', accepted: true, turn_id: turnId, detail: null };
};
