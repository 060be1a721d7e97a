import { laneRefOf } from '../../lanes.js';
import { requireFleet } from '../../remoteLanes.js';
import { fleetLaneViewOf } from '../fleet/shared.js';
import type { Handler } from '../types.js';
import { totalTokensByLane } from '../usage.js';

export const handleLaneList: Handler<'lane.list'> = async (input, ctx) => {
  const tokens = totalTokensByLane(ctx.store);
  const fleet = input.fleet ? requireFleet(ctx) : undefined;
  // This station's own lanes come from its registry (authoritative), never from its published copy.
  const remote = fleet === undefined ? [] : (await fleet.lanes()).filter((lane) => lane.station !== fleet.station).map(fleetLaneViewOf);
  const here = fleet === undefined ? {} : { station: fleet.station, reachable: true };
  const local = ctx.store.lanes.list({ includeArchived: input.include_archived }).map((lane) => ({
    ...laneRefOf(lane),
    ...here,
    active_turn_id: lane.activeTurnId,
    latest_turn: lane.latestTurn,
    total_tokens: tokens.get(lane.id) ?? 0,
    updated_at: lane.updatedAt,
    worktree_branch: lane.worktree?.branch ?? null,
  }));
  return { lanes: [...local, ...(input.include_archived ? remote : remote.filter((lane) => lane.status !== 'archived'))] };
};
