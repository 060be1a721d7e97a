import path from 'node:path';
import { DispatchError } from '../../../shared/errors.js';
import { createLane, laneRefOf, requireOwned, resolveLane, settingsFromInput, toHandle } from '../../lanes.js';
import { planWorktree, withNewWorktree } from '../../laneWorktrees.js';
import type { Handler } from '../types.js';
import { nameThread, requireFreeHandle } from './shared.js';

export const handleLaneFork: Handler<'lane.fork'> = async (input, ctx) => {
  const source = resolveLane(ctx.store, input.lane);
  requireOwned(source, 'fork');
  const handle = toHandle(input.name);
  requireFreeHandle(ctx, handle);
  const overrides = settingsFromInput(input);
  const cwd = input.cwd ? path.resolve(ctx.callerCwd, input.cwd) : (source.cwd ?? undefined);
  if (input.branch !== undefined && !input.worktree) throw new DispatchError('validation', '--branch needs --worktree', { data: { fields: ['worktree'] } });
  if (input.worktree && cwd === undefined) throw new DispatchError('validation', `lane ${source.handle} has no cwd to find a repository from; pass --cwd`);
  // The fork's checkout starts where the source's stands: its worktree's branch, or its repository's HEAD.
  const plan = input.worktree && cwd !== undefined ? await planWorktree(ctx.worktrees, { dir: cwd, name: input.name, branch: input.branch }) : null;
  const fork = async () => {
    const threadCwd = plan?.cwd ?? cwd;
    const { threadId, cwd: forkCwd } = await ctx.appServer.fork(source.id, { ...(threadCwd ? { cwd: threadCwd } : {}), settings: overrides, ephemeral: input.ephemeral });
    return ctx.store.transaction(() => {
      const created = createLane(ctx, {
        by: 'lane.fork',
        laneId: threadId,
        handle,
        source: 'own',
        cwd: forkCwd,
        status: 'idle',
        settings: { ...source.settings, ...overrides },
        ephemeral: input.ephemeral,
        ...(plan ? { worktree: plan.worktree } : {}),
      });
      ctx.store.audit.record({ op: 'lane.fork', lane: created.id, detail: `from ${source.id}${plan ? ` in worktree ${plan.worktree.path}` : ''}` });
      return created;
    });
  };
  const lane = plan ? await withNewWorktree(ctx, plan.worktree, fork) : await fork();
  await nameThread(ctx, lane, handle.slice(1));
  return { ...laneRefOf(lane), forked_from: source.id, worktree: lane.worktree };
};
