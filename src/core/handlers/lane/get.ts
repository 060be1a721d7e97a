import { laneDetailOf, resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';
import { readTranscript } from './shared.js';

export const handleLaneGet: Handler<'lane.get'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  const transcript = input.include_transcript ? await readTranscript(ctx, lane, input.max_items) : [];
  const next = ctx.store.deliveries.nextQueued(lane.id);
  const held = next?.held ? { receipt: next.id, reason: next.held } : null;
  return { ...laneDetailOf(lane), transcript, held };
};
