import { resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';
import { readTranscript } from './shared.js';

export const handleLaneTail: Handler<'lane.tail'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  return { lane: lane.id, handle: lane.handle, items: await readTranscript(ctx, lane, input.limit) };
};
