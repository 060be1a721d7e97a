import type { Handler } from '../types.js';
import { getItem, inboxViewOf } from './shared.js';

export const handleInboxRead: Handler<'inbox.read'> = async (input, ctx) => {
  getItem(ctx, input.id);
  ctx.store.inbox.markRead(input.id);
  return inboxViewOf(getItem(ctx, input.id));
};
