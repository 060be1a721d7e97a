import { checkCursor } from '../facts.js';
import { resolveLane } from '../lanes.js';
import type { Handler } from './types.js';

/** Reads the fact log after a cursor; `next_since` resumes exactly where this page stopped. */
export const handleEvents: Handler<'events'> = async (input, ctx) => {
  const lanes = input.lane?.length ? [...new Set(input.lane.map((selector) => resolveLane(ctx.store, selector).id))] : undefined;
  // Bounds and page are read in one synchronous stretch: no fact can be appended between them.
  const bounds = ctx.store.facts.bounds();
  const { missed } = checkCursor(input.since, bounds);
  const facts = ctx.store.facts.since(input.since, { ...(lanes ? { lanes } : {}), limit: input.limit });
  const handles = new Map<string, string | undefined>();
  const handleOf = (laneId: string): string | undefined => {
    if (!handles.has(laneId)) handles.set(laneId, ctx.store.lanes.find(laneId)?.handle);
    return handles.get(laneId);
  };
  const events = facts.map(({ seq, at, type, laneId, ...fields }) => {
    const handle = handleOf(laneId);
    return { seq, at, type, lane: laneId, ...(handle === undefined ? {} : { handle }), ...fields };
  });
  // A short page read everything up to the latest fact, so the next read starts there (past facts of other lanes too).
  const next_since = events.length === input.limit ? (events.at(-1)?.seq ?? input.since) : Math.max(input.since, bounds.latest);
  return { events, next_since, latest_seq: bounds.latest, oldest_seq: bounds.oldest, missed };
};
