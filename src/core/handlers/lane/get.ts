import { laneDetailOf, resolveLane } from '../../lanes.js';
import { worktreeDetailOf } from '../../laneWorktrees.js';
import { routeLane } from '../../remoteLanes.js';
import { fleetLaneViewOf, remoteRequestViewsOf } from '../fleet/shared.js';
import type { Handler } from '../types.js';
import { laneUsage } from '../usage.js';
import { readTranscript } from './shared.js';

export const handleLaneGet: Handler<'lane.get'> = async (input, ctx) => {
  const route = routeLane(ctx, input.lane);
  if ('remote' in route) {
    const remote = await route.fleet.findLane(route.remote);
    return { ...fleetLaneViewOf(remote), last_agent_message: remote.lastAgentMessage, pending_requests: remoteRequestViewsOf(remote) };
  }
  const lane = resolveLane(ctx.store, route.local);
  const transcript = input.include_transcript ? await readTranscript(ctx, lane, input.max_items) : [];
  const worktree = lane.worktree ? await worktreeDetailOf(ctx.worktrees, lane.worktree) : null;
  const next = ctx.store.deliveries.nextQueued(lane.id);
  const held = next?.held ? { receipt: next.id, reason: next.held } : null;
  return { ...laneDetailOf(lane), worktree, usage: laneUsage(ctx.store, lane.id), transcript, held };
};
