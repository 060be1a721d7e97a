import type { Handler } from '../types.js';
import { getTrigger } from './shared.js';

export const handleTriggerRm: Handler<'trigger.rm'> = async (input, ctx) => {
  getTrigger(ctx, input.id);
  ctx.store.transaction(() => {
    ctx.store.triggers.remove(input.id);
    ctx.store.audit.record({ op: 'trigger.rm', triggerId: input.id });
  });
  return { id: input.id, removed: true };
};
