import { laneRefOf, requireIdle, requireLane, requireOwned, resolveLane } from '../../lanes.js';
import { requireRemovable } from '../../laneWorktrees.js';
import type { Handler } from '../types.js';
import { isNoRollout } from './shared.js';

export const handleLaneArchive: Handler<'lane.archive'> = async (input, ctx) => {
  let lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'archive');
  if (lane.status !== 'archived') requireIdle(lane, 'archive');
  const worktree = input.remove_worktree ? lane.worktree : null;
  // Refused before anything changes: a dirty worktree leaves the lane as it was.
  const status = worktree ? await ctx.worktrees.status(worktree) : null;
  if (worktree) requireRemovable(worktree, status, input.force);
  if (lane.status !== 'archived') {
    try {
      await ctx.appServer.archive(lane.id);
    } catch (error) {
      // A thread that never ran a turn has no rollout to archive; the lane is archived locally.
      if (!isNoRollout(error)) throw error;
    }
    lane = ctx.store.transaction(() => {
      ctx.journal.record({ type: 'laneArchived', laneId: lane.id });
      ctx.store.audit.record({ op: 'lane.archive', lane: lane.id });
      return requireLane(ctx.store, lane.id);
    });
  }
  // The branch stays: `lane restore` makes the worktree again from it.
  if (worktree && status) {
    await ctx.worktrees.remove(worktree, { force: input.force });
    ctx.store.audit.record({ op: 'lane.archive', lane: lane.id, detail: `removed worktree ${worktree.path}` });
  }
  return { ...laneRefOf(lane), worktree_removed: worktree !== null && status !== null };
};
