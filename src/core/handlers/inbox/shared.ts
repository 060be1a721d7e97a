// What several inbox handlers share.
import { DispatchError } from '../../../shared/errors.js';
import type { OpContext } from '../../context.js';
import type { InboxItem } from '../../model.js';

export function inboxViewOf(item: InboxItem) {
  return { id: item.id, lane: item.lane, event: item.event, text: item.text, trigger_id: item.triggerId, created_at: item.createdAt, read_at: item.readAt, acked_at: item.ackedAt };
}

export function getItem(ctx: OpContext, id: number): InboxItem {
  const item = ctx.store.inbox.find(id);
  if (!item) throw new DispatchError('not_found', `no inbox item ${id}`);
  return item;
}
