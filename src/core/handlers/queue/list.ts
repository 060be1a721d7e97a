import { resolveLane } from '../../lanes.js';
import { deliveryViewOf } from '../delivery/shared.js';
import type { Handler } from '../types.js';

export const handleQueueList: Handler<'queue.list'> = async (input, ctx) => {
  const lane = input.lane === undefined ? undefined : resolveLane(ctx.store, input.lane).id;
  const deliveries = ctx.store.deliveries.list({
    ...(lane ? { lane } : {}),
    ...(input.all ? {} : { states: ['queued', 'submitting', 'ambiguous'] as const }),
    limit: input.limit,
  });
  return { deliveries: deliveries.map(deliveryViewOf) };
};
