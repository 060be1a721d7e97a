import { createLane, laneRefOf, toHandle } from '../../lanes.js';
import { DEFAULT_TURN_SETTINGS } from '../../model.js';
import type { Handler } from '../types.js';
import { renameLane, requireFreeHandle } from './shared.js';

export const handleLaneAttach: Handler<'lane.attach'> = async (input, ctx) => {
  const existing = ctx.store.lanes.find(input.thread);
  // Attaching again is idempotent; a new --name is what the user wants the lane called, so it
  // renames (as `lane rename` would) rather than answering with the old handle.
  if (existing) return laneRefOf(input.name === undefined ? existing : await renameLane(ctx, existing, toHandle(input.name)));
  // Metadata only: thread/resume would load the thread and compete with its other writer.
  const thread = await ctx.appServer.readThread(input.thread);
  let handle = toHandle(input.name ?? thread.name ?? thread.id.slice(0, 8));
  if (!input.name && ctx.store.lanes.findByHandle(handle).length > 0) handle = toHandle(`${handle.slice(1)}-${thread.id.slice(0, 8)}`);
  requireFreeHandle(ctx, handle);
  const lane = ctx.store.transaction(() => {
    const created = createLane(ctx, {
      by: 'lane.attach',
      laneId: thread.id,
      handle,
      source: 'attached',
      cwd: thread.cwd,
      status: thread.status === 'active' ? 'busy' : 'idle',
      settings: DEFAULT_TURN_SETTINGS,
      ephemeral: thread.ephemeral,
    });
    ctx.store.audit.record({ op: 'lane.attach', lane: created.id, detail: handle });
    return created;
  });
  return laneRefOf(lane);
};
