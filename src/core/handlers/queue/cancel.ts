import { reconcile } from '../../deliveries.js';
import { deliveryViewOf, getDelivery } from '../delivery/shared.js';
import type { Handler } from '../types.js';

export const handleQueueCancel: Handler<'queue.cancel'> = async (input, ctx) => {
  const delivery = getDelivery(ctx, input.receipt);
  await reconcile(ctx, delivery, 'cancel');
  ctx.store.audit.record({ op: 'queue.cancel', lane: delivery.lane, detail: `receipt ${delivery.id}` });
  await ctx.drainQueue(delivery.lane);
  return deliveryViewOf(getDelivery(ctx, delivery.id));
};
