import type { Handler } from '../types.js';
import { triggersHandleLookup, triggerViewOf } from './shared.js';

export const handleTriggerList: Handler<'trigger.list'> = async (_input, ctx) => {
  const triggers = ctx.store.triggers.list();
  const handleOf = await triggersHandleLookup(ctx, triggers);
  return { triggers: triggers.map((trigger) => triggerViewOf(trigger, handleOf)) };
};
