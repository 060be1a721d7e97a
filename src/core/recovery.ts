import { isRunningLaneState } from '../contracts/schemas.js';
import type { Logger } from './context.js';
import { drainNext, markInterruptedSubmissions, settleTurn, type DeliveryContext } from './deliveries.js';
import type { AppServer, Clock, Store } from './ports.js';

/**
 * Turns that were running when their app-server (or dispatchd) died are gone: each busy lane
 * records its turn as failed with the reason, and its accepted receipts fail with it, instead of
 * the lane staying "busy" forever.
 */
export function recordLostTurns(store: Store, clock: Clock, reason: { message: string; code: string; exit: string }): number {
  const at = clock.now().toISOString();
  let lost = 0;
  for (const lane of store.lanes.list()) {
    if (!isRunningLaneState(lane.status)) continue;
    const turnId = lane.activeTurnId ?? lane.latestTurn?.id ?? 'unknown';
    store.transaction(() => {
      store.lanes.update(lane.id, { status: 'error', activeTurnId: null, latestTurn: { id: turnId, status: 'failed', error: { message: reason.message, code: reason.code }, at } });
      settleTurn(store, lane.id, turnId, 'failed', reason.message);
      store.audit.record({ op: 'turn-lost', lane: lane.id, detail: reason.exit, outcome: reason.code });
    });
    lost++;
  }
  return lost;
}

/** At daemon start: receipts a dead daemon left submitting become ambiguous (never re-sent), busy lanes failed. */
export function recoverAfterDaemonRestart(store: Store, clock: Clock): void {
  for (const delivery of markInterruptedSubmissions(store)) {
    store.audit.record({ op: 'delivery-ambiguous', lane: delivery.lane, detail: `receipt ${delivery.id}`, outcome: 'ambiguous' });
  }
  recordLostTurns(store, clock, { message: 'dispatchd stopped during the turn', code: 'daemon_exit', exit: 'daemon restart' });
}

/**
 * After an app-server (re)start: load the owned lanes into it (metadata resume; attached lanes are
 * left alone), mark ephemeral lanes lost, then let idle lanes' queues move again.
 */
export async function reattachLanes(
  ctx: DeliveryContext & { appServer: AppServer; log: Logger },
  options: { generation: number; restarted: boolean },
): Promise<void> {
  for (const lane of ctx.store.lanes.list()) {
    if (lane.source !== 'own') continue;
    if (lane.ephemeral && options.restarted) {
      // An ephemeral thread has no rollout: it did not survive the process.
      ctx.store.lanes.update(lane.id, { status: 'error', activeTurnId: null });
      continue;
    }
    try {
      await ctx.appServer.resumeThread(lane.id);
    } catch (error) {
      // A thread with no turn yet has no rollout to resume; it is loaded on its first turn.
      ctx.log.warn('lane.resume_failed', { lane: lane.id, generation: options.generation, error: (error as Error).message });
    }
  }
  for (const lane of ctx.store.lanes.list()) if (lane.status === 'idle' || lane.status === 'error') await drainNext(ctx, lane.id);
}
