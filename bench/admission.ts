/**
 * The cost of capacity admission on the send path: a plain send to an idle lane through the
 * ledger (reserve → turn/start → accepted) while other lanes run turns, with `[capacity]` limits
 * set (never reached: every send is admitted, so both sides do the same work) against the same
 * send with admission off, alternating in the same run on the same registry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { recordRateLimits } from '../src/core/admission.js';
import { UNLIMITED_CAPACITY, type CapacitySettings } from '../src/core/admissionPolicy.js';
import { silentLogger } from '../src/core/context.js';
import { deliver } from '../src/core/deliveries.js';
import { LaneFeedHub } from '../src/core/feed.js';
import { createJournal } from '../src/core/journal.js';
import { createLane } from '../src/core/lanes.js';
import { createLanePipeline } from '../src/core/pipeline.js';
import type { AppServer } from '../src/core/ports.js';
import { openStore } from '../src/store/index.js';
import { median, percentile, type BenchRow } from './report.js';

export interface AdmissionBenchOptions {
  /** Sends per side. */
  sends: number;
  /** Lanes running a turn (with its accepted receipt) while the sends go out. */
  busyLanes: number;
}

export const ADMISSION_DEFAULTS: AdmissionBenchOptions = { sends: 2000, busyLanes: 100 };

const LIMITS: CapacitySettings = { maxBusyLanes: 1000, holdAbovePercent: 95 };
const settings = { sandbox: 'read-only' as const, approvalPolicy: 'never' as const };

export async function benchAdmission(options: AdmissionBenchOptions = ADMISSION_DEFAULTS): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-bench-admit-'));
  const store = openStore({ path: path.join(dir, 'registry.db') });
  let turn = 0;
  const appServer = { info: () => ({ state: 'running' }), startTurn: async () => ({ turnId: `t${++turn}` }) } as unknown as AppServer;
  const clock = { now: () => new Date() };
  const feed = new LaneFeedHub();
  const journal = createJournal({ store, clock, publish: (entry) => feed.publish(entry) });
  const base = { store, journal, appServer, clock, feed, log: silentLogger, callerCwd: dir, failpoint: async () => undefined, drainQueue: async () => undefined };
  const pipeline = createLanePipeline({ store, journal, clock, log: silentLogger, publishLive: (entry) => feed.publish(entry), correlate: () => undefined, automate: () => undefined, turnEnded: () => undefined });
  const off = { ...base, capacity: UNLIMITED_CAPACITY };
  const on = { ...base, capacity: LIMITS };
  const timings = { off: [] as number[], on: [] as number[] };
  try {
    for (let i = 0; i < options.busyLanes; i++) {
      const lane = createLane(off, { laneId: `busy-${i}`, handle: `@busy-${i}`, source: 'own', cwd: dir, status: 'idle', settings, ephemeral: false, by: 'bench' });
      const { delivery } = await deliver(off, { lane, mode: 'send', text: `work ${i}`, source: 'bench' });
      pipeline({ type: 'turnStarted', laneId: lane.id, turnId: delivery.turnId ?? '' });
    }
    recordRateLimits(on, [
      { window: 'primary', usedPercent: 50, windowMinutes: 300, resetsAt: new Date(Date.now() + 3_600_000).toISOString() },
      { window: 'secondary', usedPercent: 20, windowMinutes: 10_080, resetsAt: null },
    ]);
    const target = createLane(off, { laneId: 'target', handle: '@target', source: 'own', cwd: dir, status: 'idle', settings, ephemeral: false, by: 'bench' });
    const sendOnce = async (ctx: typeof on, into: number[], i: number): Promise<void> => {
      const lane = store.lanes.find(target.id) ?? target;
      const t0 = performance.now();
      const { delivery } = await deliver(ctx, { lane, mode: 'send', text: `message ${i}`, source: 'bench' });
      into.push(performance.now() - t0);
      if (delivery.state !== 'accepted') throw new Error(`send ${i} was ${delivery.state}${delivery.held ? ` (${delivery.held})` : ''}, not accepted`);
      // The turn ends before the next send, as codex would report it (outside the timing).
      pipeline({ type: 'turnStarted', laneId: lane.id, turnId: delivery.turnId ?? '' });
      pipeline({ type: 'turnCompleted', laneId: lane.id, turnId: delivery.turnId ?? '', outcome: 'completed' });
    };
    // Warm-up, then blocks of each side in turn, so drift (JIT, WAL growth) falls on both.
    for (let i = 0; i < 50; i++) await sendOnce(i % 2 === 0 ? on : off, [], i);
    const block = 50;
    for (let i = 0; i < options.sends; i += block) {
      for (let j = 0; j < block && i + j < options.sends; j++) await sendOnce(off, timings.off, i + j);
      for (let j = 0; j < block && i + j < options.sends; j++) await sendOnce(on, timings.on, i + j);
    }
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const load = `${options.busyLanes} busy lanes`;
  const extra = { sends: options.sends, busy_lanes: options.busyLanes, off_p99_ms: Number(percentile(timings.off, 0.99).toFixed(3)), on_p99_ms: Number(percentile(timings.on, 0.99).toFixed(3)) };
  return [
    {
      name: `send with admission (max_busy_lanes, hold_above_percent), ${load}`,
      value: median(timings.on),
      unit: 'ms',
      baseline: { value: median(timings.off), name: 'send with admission off' },
      goal: { of: 'ratio', max: 1.25 },
      extra,
    },
  ];
}
