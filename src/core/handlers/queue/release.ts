import { releaseHeld } from '../../admissionDrain.js';
import { deliveryViewOf, getDelivery } from '../delivery/shared.js';
import type { Handler } from '../types.js';

export const handleQueueRelease: Handler<'queue.release'> = async (input, ctx) => {
  const delivery = getDelivery(ctx, input.receipt);
  ctx.store.audit.record({ op: 'queue.release', lane: delivery.lane, detail: `receipt ${delivery.id}` });
  return deliveryViewOf(await releaseHeld(ctx, delivery));
};
