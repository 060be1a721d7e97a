import { deliver } from '../deliveries.js';
import { createLane, laneRefOf } from '../lanes.js';
import { planWorktree, withNewWorktree } from '../laneWorktrees.js';
import { resolveNewLane } from '../newConfig.js';
import { nameThread, requireFreeHandle } from './lane/shared.js';
import { subscribe, subscriberOf } from './subscribe.js';
import type { Handler } from './types.js';

export const handleNew: Handler<'new'> = async (input, ctx) => {
  const resolved = await resolveNewLane(input, { callerCwd: ctx.callerCwd });
  requireFreeHandle(ctx, resolved.handle);
  // Checked before the thread starts, so a bad --subscribe never leaves a lane behind.
  if (input.subscribe !== undefined) subscriberOf(ctx, input.subscribe);
  const plan = resolved.worktree ? await planWorktree(ctx.worktrees, { dir: resolved.cwd, name: input.name, branch: input.branch, branchPrefix: resolved.branchPrefix, base: input.base }) : null;
  // The worktree is made before the thread (codex needs its cwd) and goes again if the lane is not made.
  const start = async () => {
    const { threadId, cwd } = await ctx.appServer.startThread({
      cwd: plan?.cwd ?? resolved.cwd,
      settings: resolved.settings,
      ephemeral: resolved.ephemeral,
      ...(resolved.baseInstructions ? { baseInstructions: resolved.baseInstructions } : {}),
      ...(resolved.developerInstructions ? { developerInstructions: resolved.developerInstructions } : {}),
    });
    return ctx.store.transaction(() => {
      const created = createLane(ctx, {
        by: 'new',
        laneId: threadId,
        handle: resolved.handle,
        source: 'own',
        cwd,
        status: 'idle',
        settings: resolved.settings,
        ephemeral: resolved.ephemeral,
        ...(plan ? { worktree: plan.worktree } : {}),
      });
      ctx.store.audit.record({ op: 'new', lane: created.id, detail: resolved.displayName });
      return created;
    });
  };
  let lane = plan ? await withNewWorktree(ctx, plan.worktree, start) : await start();
  await nameThread(ctx, lane, resolved.displayName);
  const subscription = input.subscribe === undefined ? null : subscribe(ctx, lane, { when: input.subscribe_when, target: subscriberOf(ctx, input.subscribe) ?? null, once: false }).id;
  let turnId: string | null = null;
  if (resolved.text !== undefined && resolved.send) {
    const { delivery } = await deliver(ctx, { lane, mode: 'send', text: resolved.text, source: 'op' });
    turnId = delivery.turnId;
    lane = ctx.store.lanes.find(lane.id) ?? lane;
  }
  return { ...laneRefOf(lane), display_name: resolved.displayName, message_accepted: turnId !== null, turn_id: turnId, subscription, worktree: lane.worktree };
};
