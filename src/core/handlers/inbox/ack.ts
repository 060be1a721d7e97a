import type { Handler } from '../types.js';
import { getItem, inboxViewOf } from './shared.js';

export const handleInboxAck: Handler<'inbox.ack'> = async (input, ctx) => {
  getItem(ctx, input.id);
  if (ctx.store.inbox.ack(input.id)) ctx.store.audit.record({ op: 'inbox.ack', detail: `item ${input.id}` });
  return inboxViewOf(getItem(ctx, input.id));
};
