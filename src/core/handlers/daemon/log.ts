import { resolveLane } from '../../lanes.js';
import type { Handler } from '../types.js';

export const handleDaemonLog: Handler<'daemon.log'> = async (input, ctx) => {
  const lane = input.lane === undefined ? undefined : resolveLane(ctx.store, input.lane).id;
  return {
    actions: ctx.store.audit.recent({ limit: input.limit, ...(lane ? { lane } : {}) }).map((a) => ({
      id: a.id,
      ts: a.ts,
      op: a.op,
      lane: a.lane,
      trigger_id: a.triggerId,
      detail: a.detail,
      outcome: a.outcome,
    })),
  };
};
