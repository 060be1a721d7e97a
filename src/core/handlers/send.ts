import { deliver } from '../deliveries.js';
import { formatLaneRef } from '../fleet.js';
import { requireNotArchived, requireOwned, resolveLane } from '../lanes.js';
import { remoteReceiptOf, routeLane } from '../remoteLanes.js';
import type { Handler } from './types.js';

export const handleSend: Handler<'send'> = async (input, ctx) => {
  const route = routeLane(ctx, input.lane);
  if ('remote' in route) {
    // Only the local outbox is written: no database round trip; the lane's station resolves and delivers it.
    const entry = route.fleet.send(route.remote, { mode: input.mode, text: input.text, source: 'op', ...(input.idempotency_key ? { idempotencyKey: input.idempotency_key } : {}) });
    const name = formatLaneRef(route.remote);
    const receipt = remoteReceiptOf(entry);
    return {
      lane: name,
      handle: name,
      station: route.remote.station,
      op: input.mode,
      accepted: entry.state !== 'failed' && entry.state !== 'cancelled',
      turn_id: entry.turnId,
      detail: `receipt ${receipt} ${entry.state} for ${route.remote.lane} on station ${route.remote.station}; \`dispatch delivery get ${receipt}\` follows it`,
      receipt,
      state: entry.state,
      duplicate: entry.duplicate,
      pending: null,
    };
  }
  const lane = resolveLane(ctx.store, route.local);
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
