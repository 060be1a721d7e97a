import { resolveLane } from '../../lanes.js';
import { remoteSelectorOf, routeLane } from '../../remoteLanes.js';
import type { Handler } from '../types.js';
import { readRemoteTranscript, readTranscript } from './shared.js';

export const handleLaneTail: Handler<'lane.tail'> = async (input, ctx) => {
  const route = routeLane(ctx, input.lane);
  if ('remote' in route) {
    // Read here, not on its station: its done-unread stays for the people there.
    const remote = await route.fleet.findLane(route.remote);
    return { lane: remote.laneId, handle: remoteSelectorOf(remote), station: remote.station, items: await readRemoteTranscript(route.fleet, remote, input.limit) };
  }
  const lane = resolveLane(ctx.store, route.local);
  const items = await readTranscript(ctx, lane, input.limit);
  // Reading the tail is reading the lane: its finished turn is no longer unread.
  if (lane.attention === 'done-unread') ctx.journal.record({ type: 'laneRead', laneId: lane.id });
  return { lane: lane.id, handle: lane.handle, items };
};
