// What several delivery handlers share.
import { DispatchError } from '../../../shared/errors.js';
import type { OpContext } from '../../context.js';
import type { Delivery } from '../../model.js';

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
    held: d.held,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

export function getDelivery(ctx: OpContext, receipt: number): Delivery {
  const delivery = ctx.store.deliveries.find(receipt);
  if (!delivery) throw new DispatchError('not_found', `no receipt ${receipt}`);
  return delivery;
}
