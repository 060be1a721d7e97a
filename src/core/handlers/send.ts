import { DispatchError } from '../../shared/errors.js';
import { deliver, reconcile } from '../deliveries.js';
import { requireActiveTurn, requireNotArchived, requireOwned, resolveLane } from '../lanes.js';
import type { Delivery } from '../model.js';
import type { OpContext } from '../context.js';
import type { Handler } from './types.js';

export function deliveryViewOf(d: Delivery) {
  return {
    receipt: d.id,
    lane: d.lane,
    mode: d.mode,
    source: d.source,
    state: d.state,
    text: d.text,
    idempotency_key: d.idempotencyKey,
    client_message_id: d.clientMessageId,
    turn_id: d.turnId,
    error: d.error,
    note: d.note,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

function getDelivery(ctx: OpContext, receipt: number): Delivery {
  const delivery = ctx.store.deliveries.find(receipt);
  if (!delivery) throw new DispatchError('not_found', `no receipt ${receipt}`);
  return delivery;
}

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
    detail:
      input.mode === 'queue'
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

export const handleStop: Handler<'stop'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'stop');
  const turnId = requireActiveTurn(lane, 'stop');
  await ctx.appServer.interruptTurn(lane.id, turnId);
  ctx.store.audit.record({ op: 'stop', lane: lane.id, detail: turnId });
  return { lane: lane.id, handle: lane.handle, op: 'stop', accepted: true, turn_id: turnId, detail: null };
};

export const handleDeliveryGet: Handler<'delivery-get'> = async (input, ctx) => deliveryViewOf(getDelivery(ctx, input.receipt));

export const handleDeliveryReconcile: Handler<'delivery-reconcile'> = async (input, ctx) => {
  const delivery = getDelivery(ctx, input.receipt);
  const result = await reconcile(ctx, delivery, input.action);
  ctx.store.audit.record({ op: 'delivery-reconcile', lane: delivery.lane, detail: `receipt ${delivery.id} ${input.action}: ${result.evidence}`, outcome: result.settled ? 'ok' : 'unsettled' });
  if (result.settled) await ctx.drainQueue(delivery.lane);
  return { delivery: deliveryViewOf(getDelivery(ctx, delivery.id)), ...result };
};

export const handleQueueList: Handler<'queue-list'> = async (input, ctx) => {
  const lane = input.lane === undefined ? undefined : resolveLane(ctx.store, input.lane).id;
  const deliveries = ctx.store.deliveries.list({
    ...(lane ? { lane } : {}),
    ...(input.all ? {} : { states: ['queued', 'submitting', 'ambiguous'] as const }),
    limit: input.limit,
  });
  return { deliveries: deliveries.map(deliveryViewOf) };
};

export const handleQueueCancel: Handler<'queue-cancel'> = async (input, ctx) => {
  const delivery = getDelivery(ctx, input.receipt);
  await reconcile(ctx, delivery, 'cancel');
  ctx.store.audit.record({ op: 'queue-cancel', lane: delivery.lane, detail: `receipt ${delivery.id}` });
  await ctx.drainQueue(delivery.lane);
  return deliveryViewOf(getDelivery(ctx, delivery.id));
};
