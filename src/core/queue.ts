import { DispatchError } from '../shared/errors.js';
import type { OpContext } from './context.js';
import { clip } from './lanes.js';
import { startTurnOn } from './handlers/lanes.js';

type QueueContext = Pick<OpContext, 'store' | 'appServer' | 'clock' | 'log' | 'callerCwd'>;

/** Lanes whose drain is in progress, so two idle signals never start two messages at once. */
const draining = new Set<string>();

/**
 * Starts the lane's oldest pending message if the lane is idle. One message per idle
 * transition: the next one waits for the turn this one starts to end.
 */
export async function drainNext(ctx: QueueContext, laneId: string): Promise<boolean> {
  if (draining.has(laneId)) return false;
  draining.add(laneId);
  try {
    const lane = ctx.store.lanes.find(laneId);
    if (!lane || lane.source !== 'own' || (lane.status !== 'idle' && lane.status !== 'error')) return false;
    const next = ctx.store.queue.nextPending(laneId);
    if (!next || !ctx.store.queue.claim(next.id)) return false;
    try {
      await startTurnOn(ctx as OpContext, lane, next.text);
      ctx.store.transaction(() => {
        ctx.store.queue.complete(next.id);
        ctx.store.audit.record({ op: 'send', lane: laneId, detail: clip(next.text), outcome: 'queued' });
      });
    } catch (error) {
      const code = error instanceof DispatchError ? error.code : 'internal';
      ctx.store.transaction(() => {
        ctx.store.queue.fail(next.id, code);
        ctx.store.audit.record({ op: 'queue', lane: laneId, detail: clip(next.text), outcome: code });
      });
      ctx.log.warn('queue.delivery_failed', { lane: laneId, message: next.id, error: (error as Error).message });
    }
    return true;
  } finally {
    draining.delete(laneId);
  }
}
