import { resolveLane } from '../../lanes.js';
import { requireFleet, routeLane } from '../../remoteLanes.js';
import { remoteRequestViewsOf } from '../fleet/shared.js';
import type { Handler } from '../types.js';
import { requestViewOf } from './shared.js';

export const handleRequestList: Handler<'request.list'> = async (input, ctx) => {
  const fleet = input.fleet ? requireFleet(ctx) : undefined;
  const route = input.lane === undefined ? undefined : routeLane(ctx, input.lane);
  if (route !== undefined && 'remote' in route) {
    // Another station's lane: the pending requests its station publishes (answered ones stay there).
    return { requests: remoteRequestViewsOf(await route.fleet.findLane(route.remote)).slice(0, input.limit) };
  }
  const lane = route === undefined ? undefined : resolveLane(ctx.store, route.local).id;
  const rows = ctx.store.requests.list({ ...(input.all ? {} : { states: ['pending'] as const }), ...(lane ? { lane } : {}), limit: input.limit });
  const local = rows.map(requestViewOf);
  if (fleet === undefined || lane !== undefined) return { requests: local };
  const remote = (await fleet.lanes()).filter((l) => l.station !== fleet.station).flatMap(remoteRequestViewsOf);
  return { requests: [...local, ...remote].slice(0, input.limit) };
};
