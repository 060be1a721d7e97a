import { deliver } from '../deliveries.js';
import { requireNotArchived, requireOwned, resolveLane } from '../lanes.js';
import type { Handler } from './types.js';

export const handleSend: Handler<'send'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, input.mode);
  requireNotArchived(lane, input.mode);
  const { delivery, duplicate } = await deliver(ctx, {
    lane,
    mode: input.mode,
    text: input.text,
    source: 'op',
    ...(input.idempotency_key ? { idempotencyKey: input.idempotency_key } : {}),
  });
  const pending = input.mode === 'queue' ? (ctx.store.deliveries.countByState(lane.id).queued ?? 0) : null;
  return {
    lane: lane.id,
    handle: lane.handle,
    op: input.mode,
    accepted: delivery.state !== 'failed' && delivery.state !== 'cancelled',
    turn_id: delivery.turnId,
    detail: delivery.held
      ? `receipt ${delivery.id} queued, ${delivery.held}; it starts by itself (or \`dispatch queue release ${delivery.id}\`)`
      : input.mode === 'queue'
        ? delivery.state === 'queued'
          ? `receipt ${delivery.id} queued; ${pending} waiting`
          : `receipt ${delivery.id} ${delivery.state}`
        : duplicate
          ? `receipt ${delivery.id} already ${delivery.state} (same idempotency key)`
          : null,
    receipt: delivery.id,
    state: delivery.state,
    duplicate,
    pending,
  };
};
