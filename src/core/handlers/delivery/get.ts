import { DispatchError } from '../../../shared/errors.js';
import type { OutboxEntry } from '../../fleet.js';
import { parseReceiptRef, remoteReceiptOf } from '../../remoteLanes.js';
import type { Handler } from '../types.js';
import { deliveryViewOf, getDelivery } from './shared.js';

/** A cross-station message as `delivery get m<N>` shows it: the outbox entry and the remote receipt's last reported state. */
function remoteDeliveryViewOf(entry: OutboxEntry) {
  const { body } = entry;
  return {
    receipt: remoteReceiptOf(entry),
    station: entry.station,
    lane: entry.lane,
    kind: body.kind,
    mode: body.kind === 'send' ? body.mode : null,
    request: body.kind === 'respond' ? body.request : null,
    source: entry.source,
    state: entry.state,
    text: body.kind === 'send' ? body.text : null,
    idempotency_key: entry.idempotencyKey,
    mail: entry.mailId,
    remote_receipt: entry.receipt,
    turn_id: entry.turnId,
    error: entry.error,
    created_at: entry.createdAt,
    updated_at: entry.updatedAt,
  };
}

export const handleDeliveryGet: Handler<'delivery.get'> = async (input, ctx) => {
  const ref = parseReceiptRef(input.receipt);
  if ('local' in ref) return deliveryViewOf(getDelivery(ctx, ref.local));
  const entry = ctx.fleet?.outbox(ref.outbox);
  if (entry === undefined) throw new DispatchError('not_found', `no receipt m${ref.outbox}${ctx.fleet === undefined ? ' (this station is in no fleet)' : ''}`);
  return remoteDeliveryViewOf(entry);
};
