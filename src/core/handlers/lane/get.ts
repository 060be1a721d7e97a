import { laneDetailOf, resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';
import { laneUsage } from '../usage.js';
import { readTranscript } from './shared.js';

export const handleLaneGet: Handler<'lane.get'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  const transcript = input.include_transcript ? await readTranscript(ctx, lane, input.max_items) : [];
  return { ...laneDetailOf(lane), usage: laneUsage(ctx.store, lane.id), transcript };
};
