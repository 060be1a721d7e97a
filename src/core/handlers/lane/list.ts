import { laneRefOf } from '../../lanes.js';
import type { Handler } from '../types.js';
import { totalTokensByLane } from '../usage.js';

export const handleLaneList: Handler<'lane.list'> = async (input, ctx) => {
  const tokens = totalTokensByLane(ctx.store);
  return {
    lanes: ctx.store.lanes
      .list({ includeArchived: input.include_archived })
      .map((lane) => ({ ...laneRefOf(lane), active_turn_id: lane.activeTurnId, latest_turn: lane.latestTurn, total_tokens: tokens.get(lane.id) ?? 0, updated_at: lane.updatedAt, worktree_branch: lane.worktree?.branch ?? null })),
  };
};
