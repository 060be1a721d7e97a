import type { OpContext } from '../../context.js';
import { laneRefOf, requireLane, requireOwned, resolveLane } from '../../lanes.js';
import type { Lane } from '../../model.js';
import type { Handler } from '../types.js';
import { isNoRollout } from './shared.js';

export const handleLaneRestore: Handler<'lane.restore'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'restore');
  if (lane.status !== 'archived') return { ...laneRefOf(lane), worktree: lane.worktree, worktree_recreated: false, warnings: [] };
  // Before codex: a worktree path taken by something else fails the restore with nothing changed.
  const { recreated, branchGone } = await restoreWorktree(ctx, lane);
  try {
    await ctx.appServer.unarchive(lane.id);
    // thread/archive unloads the thread and thread/unarchive only moves its rollout back: until it
    // is loaded again, turn/start answers "thread not found".
    await ctx.appServer.resumeThread(lane.id);
  } catch (error) {
    // Never archived in codex (no rollout yet): the thread is still loaded.
    if (!isNoRollout(error)) throw error;
  }
  const warnings = branchGone && lane.worktree ? [`branch '${lane.worktree.branch}' no longer exists: restored without the worktree ${lane.worktree.path}`] : [];
  const updated = ctx.store.transaction(() => {
    ctx.journal.record({ type: 'laneRestored', laneId: lane.id });
    if (branchGone) ctx.journal.record({ type: 'laneWorktreeChanged', laneId: lane.id, worktree: null });
    ctx.store.audit.record({ op: 'lane.restore', lane: lane.id, ...(recreated ? { detail: `recreated worktree ${lane.worktree?.path ?? ''}` } : {}) });
    return requireLane(ctx.store, lane.id);
  });
  return { ...laneRefOf(updated), worktree: updated.worktree, worktree_recreated: recreated, warnings };
};

/** A worktree removed on archive comes back from its branch; a branch deleted since cannot. */
async function restoreWorktree(ctx: OpContext, lane: Lane): Promise<{ recreated: boolean; branchGone: boolean }> {
  const worktree = lane.worktree;
  if (!worktree || (await ctx.worktrees.status(worktree)) !== null) return { recreated: false, branchGone: false };
  if (!(await ctx.worktrees.branchExists(worktree.repo, worktree.branch))) return { recreated: false, branchGone: true };
  await ctx.worktrees.reattach(worktree);
  return { recreated: true, branchGone: false };
}
