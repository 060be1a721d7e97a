import { laneDetailOf, resolveLane } from '../../lanes.js';
import { worktreeDetailOf } from '../../laneWorktrees.js';
import type { Handler } from '../types.js';
import { laneUsage } from '../usage.js';
import { readTranscript } from './shared.js';

export const handleLaneGet: Handler<'lane.get'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  const transcript = input.include_transcript ? await readTranscript(ctx, lane, input.max_items) : [];
  const worktree = lane.worktree ? await worktreeDetailOf(ctx.worktrees, lane.worktree) : null;
  const next = ctx.store.deliveries.nextQueued(lane.id);
  const held = next?.held ? { receipt: next.id, reason: next.held } : null;
  return { ...laneDetailOf(lane), worktree, usage: laneUsage(ctx.store, lane.id), transcript, held };
};
