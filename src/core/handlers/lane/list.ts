import { laneRefOf } from '../../lanes.js';
import type { Handler } from '../types.js';

export const handleLaneList: Handler<'lane.list'> = async (input, ctx) => ({
  lanes: ctx.store.lanes
    .list({ includeArchived: input.include_archived })
    .map((lane) => ({ ...laneRefOf(lane), active_turn_id: lane.activeTurnId, latest_turn: lane.latestTurn, updated_at: lane.updatedAt, worktree_branch: lane.worktree?.branch ?? null })),
});
