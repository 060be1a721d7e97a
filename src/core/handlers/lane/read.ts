import { resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';

/** The same laneRead fact reading the tail records, without reading it; every selector is resolved before any is marked. */
export const handleLaneRead: Handler<'lane.read'> = async (input, ctx) => {
  const lanes = [...new Map(input.lane.map((selector) => resolveLane(ctx.store, selector)).map((lane) => [lane.id, lane])).values()];
  return ctx.store.transaction(() => ({
    lanes: lanes.map((lane) => {
      const unread = lane.attention === 'done-unread';
      if (unread) {
        ctx.journal.record({ type: 'laneRead', laneId: lane.id });
        ctx.store.audit.record({ op: 'lane.read', lane: lane.id });
      }
      return { lane: lane.id, handle: lane.handle, was_unread: unread };
    }),
  }));
};
