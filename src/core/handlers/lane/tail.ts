import { resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';
import { readTranscript } from './shared.js';

export const handleLaneTail: Handler<'lane.tail'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  const items = await readTranscript(ctx, lane, input.limit);
  // Reading the tail is reading the lane: its finished turn is no longer unread.
  if (lane.attention === 'done-unread') ctx.journal.record({ type: 'laneRead', laneId: lane.id });
  return { lane: lane.id, handle: lane.handle, items };
};
