import { resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';
import { inboxViewOf } from './shared.js';

export const handleInboxList: Handler<'inbox.list'> = async (input, ctx) => {
  const lane = input.lane === undefined ? undefined : resolveLane(ctx.store, input.lane).id;
  return { items: ctx.store.inbox.list({ unackedOnly: !input.all, ...(lane ? { lane } : {}), limit: input.limit }).map(inboxViewOf) };
};
