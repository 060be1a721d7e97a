import { isRunningLaneState } from '../contracts/schemas.js';
import type { Logger, OpContext } from './context.js';
import { isCapacityLimited } from './admissionPolicy.js';
import { drainOldestFirst } from './admissionDrain.js';
import { drainNext, markInterruptedSubmissions, settleLostReceipts, type DeliveryContext } from './deliveries.js';
import type { AppServer } from './ports.js';

type Recorder = Pick<OpContext, 'store' | 'journal'>;

/**
 * Turns that were running when their app-server (or dispatchd) died are gone: each busy lane
 * records its turn as failed with the reason, instead of staying "busy" forever. Its receipts stay
 * `accepted` until the history can be read again: `resumeLanes` settles them from it.
 */
export function recordLostTurns(ctx: Recorder, reason: { message: string; code: string; exit: string }): number {
  const { store } = ctx;
  let lost = 0;
  for (const lane of store.lanes.list()) {
    if (!isRunningLaneState(lane.status)) continue;
    const turnId = lane.activeTurnId ?? lane.latestTurn?.id ?? 'unknown';
    store.transaction(() => {
      ctx.journal.record({ type: 'turnLost', laneId: lane.id, turnId, error: { message: reason.message, code: reason.code } });
      store.audit.record({ op: 'turn-lost', lane: lane.id, detail: reason.exit, outcome: reason.code });
    });
    lost++;
  }
  return lost;
}

/** At daemon start: receipts a dead daemon left submitting become ambiguous (never re-sent), busy lanes' turns lost. */
export function recoverAfterDaemonRestart(ctx: Recorder): void {
  for (const delivery of markInterruptedSubmissions(ctx)) {
    ctx.store.audit.record({ op: 'delivery-ambiguous', lane: delivery.lane, detail: `receipt ${delivery.id}`, outcome: 'ambiguous' });
  }
  recordLostTurns(ctx, { message: 'dispatchd stopped during the turn', code: 'daemon_exit', exit: 'daemon restart' });
}

/**
 * After an app-server (re)start: load the owned lanes into it (metadata resume; attached lanes are
 * left alone), mark ephemeral lanes lost, and settle the receipts of lost turns from each thread's
 * history. Turns must wait for it: a thread not yet loaded again answers turn/start with "thread
 * not found", and a new turn would make a lost receipt look like one still running.
 */
async function resumeLanes(ctx: Pick<DeliveryContext, 'store' | 'journal' | 'appServer' | 'log'>, options: { generation: number; restarted: boolean }): Promise<void> {
  const owned = ctx.store.lanes.list().filter((lane) => lane.source === 'own');
  await eachConcurrently(owned, RECOVERY_CONCURRENCY, async (lane) => {
    if (lane.ephemeral && options.restarted) {
      // An ephemeral thread has no rollout: it did not survive the process.
      ctx.journal.record({ type: 'laneLost', laneId: lane.id, reason: 'an ephemeral thread does not survive an app-server restart' });
      await settleLostReceipts(ctx, lane.id);
      return;
    }
    try {
      await ctx.appServer.resumeThread(lane.id);
    } catch (error) {
      // A thread with no turn yet has no rollout to resume; it is loaded on its first turn.
      ctx.log.warn('lane.resume_failed', { lane: lane.id, generation: options.generation, error: (error as Error).message });
    }
    await settleLostReceipts(ctx, lane.id);
  });
}

/** Lets every idle lane's queue move again (after a restart, or when codex is back); with capacity limits, oldest first across lanes. */
async function drainIdleLanes(ctx: DeliveryContext): Promise<void> {
  if (isCapacityLimited(ctx.capacity)) return drainOldestFirst(ctx);
  const idle = ctx.store.lanes.list().filter((lane) => lane.status === 'idle' || lane.status === 'error');
  await eachConcurrently(idle, RECOVERY_CONCURRENCY, async (lane) => {
    await drainNext(ctx, lane.id);
  });
}

/**
 * How many lanes are resumed (or drained) at once after a restart: one at a time, 50 lanes took
 * about 3 s; codex answers several at once, and a bound keeps a big registry from flooding it.
 */
const RECOVERY_CONCURRENCY = 8;

/** Runs `fn` over `items` with at most `limit` in flight (fn handles its own failures: a throw rejects the whole run). */
async function eachConcurrently<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * After an app-server (re)start: resume the lanes, then let idle lanes' queues move again.
 * `holdTurns` gets the resume in flight at once, so the caller can make turns wait for it.
 */
export async function reattachLanes(
  ctx: DeliveryContext & { appServer: AppServer; log: Logger },
  options: { generation: number; restarted: boolean },
  holdTurns: (resumed: Promise<void>) => void = () => undefined,
): Promise<void> {
  const resumed = resumeLanes(ctx, options);
  holdTurns(resumed);
  await resumed;
  await drainIdleLanes(ctx);
}
