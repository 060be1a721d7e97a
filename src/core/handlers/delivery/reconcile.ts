import { reconcile } from '../../deliveries.js';
import type { Handler } from '../types.js';
import { deliveryViewOf, getDelivery } from './shared.js';

export const handleDeliveryReconcile: Handler<'delivery.reconcile'> = async (input, ctx) => {
  const delivery = getDelivery(ctx, input.receipt);
  const result = await reconcile(ctx, delivery, input.action);
  ctx.store.audit.record({ op: 'delivery.reconcile', lane: delivery.lane, detail: `receipt ${delivery.id} ${input.action}: ${result.evidence}`, outcome: result.settled ? 'ok' : 'unsettled' });
  if (result.settled) await ctx.drainQueue(delivery.lane);
  return { delivery: deliveryViewOf(getDelivery(ctx, delivery.id)), ...result };
};
