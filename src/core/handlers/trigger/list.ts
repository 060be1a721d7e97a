import type { Handler } from '../types.js';
import { triggerViewOf } from './shared.js';

export const handleTriggerList: Handler<'trigger.list'> = async (_input, ctx) => {
  const handles = new Map(ctx.store.lanes.list({ includeArchived: true }).map((lane) => [lane.id, lane.handle]));
  return { triggers: ctx.store.triggers.list().map((trigger) => triggerViewOf(trigger, (id) => handles.get(id) ?? null)) };
};
