import path from 'node:path';
import { createLane, laneRefOf, requireOwned, resolveLane, settingsFromInput, toHandle } from '../../lanes.js';
import type { Handler } from '../types.js';
import { nameThread, requireFreeHandle } from './shared.js';

export const handleLaneFork: Handler<'lane.fork'> = async (input, ctx) => {
  const source = resolveLane(ctx.store, input.lane);
  requireOwned(source, 'fork');
  const handle = toHandle(input.name);
  requireFreeHandle(ctx, handle);
  const overrides = settingsFromInput(input);
  const cwd = input.cwd ? path.resolve(ctx.callerCwd, input.cwd) : (source.cwd ?? undefined);
  const { threadId, cwd: threadCwd } = await ctx.appServer.fork(source.id, { ...(cwd ? { cwd } : {}), settings: overrides, ephemeral: input.ephemeral });
  const lane = ctx.store.transaction(() => {
    const created = createLane(ctx, {
      by: 'lane.fork',
      laneId: threadId,
      handle,
      source: 'own',
      cwd: threadCwd,
      status: 'idle',
      settings: { ...source.settings, ...overrides },
      ephemeral: input.ephemeral,
    });
    ctx.store.audit.record({ op: 'lane.fork', lane: created.id, detail: `from ${source.id}` });
    return created;
  });
  await nameThread(ctx, lane, handle.slice(1));
  return { ...laneRefOf(lane), forked_from: source.id };
};
