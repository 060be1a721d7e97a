import { DispatchError } from '../../shared/errors.js';
import type { OpContext } from '../context.js';
import { clip, requireActiveTurn, requireIdle, requireNotArchived, requireOwned, resolveLane } from '../lanes.js';
import type { Lane } from '../model.js';
import { startTurnOn } from './lanes.js';
import type { Handler } from './types.js';

type Ack = { lane: string; handle: string; op: string; accepted: boolean; turn_id: string | null; detail: string | null; queued_id: number | null; pending: number | null };

function ack(lane: Lane, op: string, turnId: string | null, extra: Partial<Ack> = {}): Ack {
  return { lane: lane.id, handle: lane.handle, op, accepted: true, turn_id: turnId, detail: null, queued_id: null, pending: null, ...extra };
}

/** Resolves when the turn is over (turn/completed seen, or the lane no longer runs it). */
export function waitForTurnEnd(ctx: OpContext, lane: Lane, turnId: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      subscription.dispose();
      resolve();
    };
    const subscription = ctx.feed.onEvent((event) => {
      if (event.type === 'turnCompleted' && event.laneId === lane.id && event.turnId === turnId) done();
    });
    const timer = setTimeout(() => {
      subscription.dispose();
      reject(new DispatchError('timeout', `turn ${turnId} on ${lane.handle} did not end within ${timeoutMs} ms after the interrupt`));
    }, timeoutMs);
    const current = ctx.store.lanes.find(lane.id);
    if (!current || current.activeTurnId !== turnId) done();
  });
}

export const handleSend: Handler<'send'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, input.mode);
  requireNotArchived(lane, input.mode);
  switch (input.mode) {
    case 'send': {
      requireIdle(lane, 'send');
      const turnId = await startTurnOn(ctx, lane, input.text);
      ctx.store.audit.record({ op: 'send', lane: lane.id, detail: clip(input.text) });
      return ack(lane, 'send', turnId);
    }
    case 'steer': {
      const expectedTurnId = requireActiveTurn(lane, 'steer');
      const { turnId } = await ctx.appServer.steerTurn(lane.id, { expectedTurnId, text: input.text });
      ctx.store.audit.record({ op: 'steer', lane: lane.id, detail: clip(input.text) });
      return ack(lane, 'steer', turnId);
    }
    case 'interject': {
      const running = requireActiveTurn(lane, 'interject');
      await ctx.appServer.interruptTurn(lane.id, running);
      ctx.store.audit.record({ op: 'interrupt', lane: lane.id, detail: 'interject' });
      // codex finishes the interrupted turn a few ms later; starting before that would race it.
      await waitForTurnEnd(ctx, lane, running, 10_000);
      const fresh = ctx.store.lanes.find(lane.id) ?? lane;
      const turnId = await startTurnOn(ctx, fresh, input.text);
      ctx.store.audit.record({ op: 'send', lane: lane.id, detail: clip(input.text) });
      return ack(lane, 'interject', turnId, { detail: `interrupted ${running}` });
    }
    case 'context': {
      await ctx.appServer.injectContext(lane.id, input.text);
      ctx.store.audit.record({ op: 'context', lane: lane.id, detail: clip(input.text) });
      return ack(lane, 'context', null);
    }
    case 'queue': {
      const queued = ctx.store.transaction(() => {
        const row = ctx.store.queue.enqueue(lane.id, input.text);
        ctx.store.audit.record({ op: 'queue', lane: lane.id, detail: clip(input.text) });
        return row;
      });
      await ctx.drainQueue(lane.id);
      const after = ctx.store.queue.find(queued.id);
      const pending = ctx.store.queue.pendingCount(lane.id);
      return ack(lane, 'queue', null, {
        queued_id: queued.id,
        pending,
        detail: after?.status === 'pending' ? `queued message ${queued.id}; ${pending} pending` : `queued message ${queued.id} started`,
      });
    }
  }
};

export const handleStop: Handler<'stop'> = async (input, ctx) => {
  const lane = resolveLane(ctx.store, input.lane);
  requireOwned(lane, 'stop');
  const turnId = requireActiveTurn(lane, 'stop');
  await ctx.appServer.interruptTurn(lane.id, turnId);
  ctx.store.audit.record({ op: 'stop', lane: lane.id, detail: turnId });
  return { lane: lane.id, handle: lane.handle, op: 'stop', accepted: true, turn_id: turnId, detail: null };
};
