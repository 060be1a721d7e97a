import path from 'node:path';
import { createLane, laneRefOf, toHandle } from '../../lanes.js';
import { DEFAULT_TURN_SETTINGS } from '../../model.js';
import type { Handler } from '../types.js';
import { nameThread, requireFreeHandle } from './shared.js';

export const handleLaneOpen: Handler<'lane.open'> = async (input, ctx) => {
  const handle = toHandle(input.name);
  requireFreeHandle(ctx, handle);
  const cwd = path.resolve(ctx.callerCwd, input.cwd ?? '.');
  const { threadId, cwd: threadCwd } = await ctx.appServer.startThread({ cwd, settings: DEFAULT_TURN_SETTINGS, ephemeral: false });
  const lane = ctx.store.transaction(() => {
    const created = createLane(ctx, { laneId: threadId, handle, source: 'own', cwd: threadCwd, status: 'idle', settings: DEFAULT_TURN_SETTINGS, ephemeral: false, by: 'lane.open' });
    ctx.store.audit.record({ op: 'lane.open', lane: created.id, detail: handle });
    return created;
  });
  await nameThread(ctx, lane, handle.slice(1));
  return laneRefOf(lane);
};
