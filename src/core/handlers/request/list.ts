import { resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';
import { requestViewOf } from './shared.js';

export const handleRequestList: Handler<'request.list'> = async (input, ctx) => {
  const lane = input.lane === undefined ? undefined : resolveLane(ctx.store, input.lane).id;
  const rows = ctx.store.requests.list({ ...(input.all ? {} : { states: ['pending'] as const }), ...(lane ? { lane } : {}), limit: input.limit });
  return { requests: rows.map(requestViewOf) };
};
