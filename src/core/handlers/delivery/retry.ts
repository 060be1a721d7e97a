import { DispatchError } from '../../../shared/errors.js';
import { deliver } from '../../deliveries.js';
import { requireNotArchived, requireOwned, resolveLane } from '../../lanes.js';
import type { DeliveryState } from '../../model.js';
import type { Handler } from '../types.js';
import { deliveryViewOf, getDelivery } from './shared.js';

/** A message whose turn never ended well; an ambiguous one may have been delivered, and is released (the same receipt) instead. */
const RETRYABLE_STATES: readonly DeliveryState[] = ['interrupted', 'failed'];

/**
 * A new receipt, not the old one queued again: the old one stays true to the history (its turn,
 * its client id), and the retry gets its own client id, so each receipt matches one turn.
 */
export const handleDeliveryRetry: Handler<'delivery.retry'> = async (input, ctx) => {
  const original = getDelivery(ctx, input.receipt);
  const source = `retry:${original.id}`;
  const earlier = ctx.store.deliveries.latestBySource(source);
  if (earlier) return { delivery: deliveryViewOf(earlier), retry_of: original.id, duplicate: true };
  if (!RETRYABLE_STATES.includes(original.state)) {
    const hint = original.state === 'ambiguous' ? `; settle it with \`dispatch delivery reconcile ${original.id}\` (or --action release to send it again)` : '';
    throw new DispatchError('validation', `receipt ${original.id} is ${original.state}; only interrupted or failed receipts can be retried${hint}`);
  }
  const lane = resolveLane(ctx.store, original.lane);
  requireOwned(lane, 'retry');
  requireNotArchived(lane, 'retry');
  const { delivery } = await deliver(ctx, { lane, mode: 'queue', text: original.text, source });
  ctx.store.audit.record({ op: 'delivery.retry', lane: lane.id, detail: `receipt ${original.id} → ${delivery.id}` });
  return { delivery: deliveryViewOf(delivery), retry_of: original.id, duplicate: false };
};
