import { RUNNING_LANE_STATES } from '../contracts/schemas.js';
import { decideAdmission, isCapacityLimited, nextResetAt, type AdmissionVerdict, type CapacitySettings } from './admissionPolicy.js';
import type { Clock, RateLimitObservation, Store } from './ports.js';

/** What an admission decision reads: the registry, the time and the daemon's `[capacity]`. */
export interface AdmissionContext {
  store: Store;
  clock: Clock;
  capacity: CapacitySettings;
}

/**
 * Turns running now across the daemon: lanes whose status says so (an accepted turn makes its lane
 * busy in the same transaction), and lanes with a receipt in flight to codex (so two starts in a
 * row both count).
 */
export function busyLaneCount(store: Store): number {
  return store.lanes.countBusy(RUNNING_LANE_STATES, ['submitting']);
}

const ADMIT: AdmissionVerdict = { admit: true };

/** Whether a new turn may start now (synchronous, so the check and the start it allows cannot interleave with another). */
export function admissionNow(ctx: AdmissionContext): AdmissionVerdict {
  const settings = ctx.capacity;
  if (!isCapacityLimited(settings)) return ADMIT;
  const windows = settings.holdAbovePercent === null ? [] : ctx.store.rateLimits.current();
  const busyLanes = settings.maxBusyLanes === null ? 0 : busyLaneCount(ctx.store);
  return decideAdmission(settings, { busyLanes, windows }, ctx.clock.now());
}

/** Keeps codex's latest report of the account's windows (the table's one writer). */
export function recordRateLimits(ctx: Pick<AdmissionContext, 'store' | 'clock'>, windows: readonly RateLimitObservation[]): void {
  if (windows.length === 0) return;
  ctx.store.transaction(() => ctx.store.rateLimits.record(windows, ctx.clock.now().toISOString()));
}

/**
 * Wakes held work when a holding window resets: one timer at the earliest reset, re-armed from
 * the stored windows after every report (a report below the threshold wakes the queue by itself).
 */
export class ResetWake {
  private timer: NodeJS.Timeout | undefined;
  private readonly ctx: AdmissionContext;
  private readonly wake: () => void;

  constructor(ctx: AdmissionContext, wake: () => void) {
    this.ctx = ctx;
    this.wake = wake;
  }

  arm(): void {
    this.stop();
    const settings = this.ctx.capacity;
    if (settings.holdAbovePercent === null) return;
    const now = this.ctx.clock.now();
    const at = nextResetAt(settings, this.ctx.store.rateLimits.current(), now);
    if (at === null) return;
    // Capped so a far reset re-checks once a day instead of overflowing the timer; a few ms late so the reset has passed.
    const delay = Math.min(Math.max(0, Date.parse(at) - now.getTime()) + 50, 86_400_000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.wake();
      this.arm();
    }, delay);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
