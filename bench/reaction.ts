/**
 * In-daemon reaction time: a lane event goes in (A's turn completed), the triggered request comes
 * out (turn/start for B), through the daemon's own lane pipeline (reactor → automation chain →
 * trigger matching, guards, ledger, SQLite), while other lanes are busy: their turns start, stream
 * items, deltas and token usage, and complete, through the same pipeline, at a steady rate.
 * Baseline: the same delivery to B called directly, with no event and no trigger, under the same load.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UNLIMITED_CAPACITY } from '../src/core/admissionPolicy.js';
import { ApprovalBroker } from '../src/core/approvals.js';
import { silentLogger } from '../src/core/context.js';
import { deliver } from '../src/core/deliveries.js';
import { LaneFeedHub } from '../src/core/feed.js';
import { createJournal } from '../src/core/journal.js';
import type { LaneEvent } from '../src/core/laneEvents.js';
import { createLane } from '../src/core/lanes.js';
import { createLanePipeline } from '../src/core/pipeline.js';
import type { AppServer } from '../src/core/ports.js';
import { startAutomation } from '../src/daemon/automation.js';
import { openStore } from '../src/store/index.js';
import { percentile, type BenchRow } from './report.js';

export interface ReactionOptions {
  rounds: number;
  busyLanes: number;
  /** Events per second the busy lanes produce together (deltas, items, token usage, turn ends). */
  busyEventsPerSecond: number;
}

export const REACTION_DEFAULTS: ReactionOptions = { rounds: 300, busyLanes: 100, busyEventsPerSecond: 5000 };

/** One busy lane's turn, as codex streams it: a start, items with deltas, token usage, the end. */
function* busyTurn(laneId: string, turn: number): Generator<LaneEvent> {
  const turnId = `${laneId}-t${turn}`;
  yield { type: 'turnStarted', laneId, turnId };
  for (let item = 0; item < 3; item++) {
    const itemId = `${turnId}-i${item}`;
    yield { type: 'itemStarted', laneId, turnId, item: { id: itemId, type: 'agentMessage', raw: {} } };
    for (let d = 0; d < 8; d++) yield { type: 'agentMessageDelta', laneId, turnId, itemId, delta: 'some words of a reply ' };
    yield { type: 'itemCompleted', laneId, turnId, item: { id: itemId, type: 'agentMessage', text: 'some words of a reply '.repeat(8), raw: {} } };
  }
  yield { type: 'tokenUsage', laneId, turnId, totalTokens: 1000 * turn, lastTokens: 1000, contextWindow: 200_000 };
  yield { type: 'turnCompleted', laneId, turnId, outcome: 'completed', lastAgentMessage: 'done' };
}

export async function benchReaction(options: ReactionOptions = REACTION_DEFAULTS): Promise<BenchRow[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-bench-react-'));
  const store = openStore({ path: path.join(dir, 'registry.db') });
  let started: (() => void) | undefined;
  let turn = 0;
  const appServer = {
    info: () => ({ state: 'running' }),
    startTurn: async () => {
      started?.();
      return { turnId: `t${++turn}` };
    },
  } as unknown as AppServer;
  const clock = { now: () => new Date() };
  const feed = new LaneFeedHub();
  const journal = createJournal({ store, clock, publish: (entry) => feed.publish(entry) });
  const ctx = {
    store,
    journal,
    appServer,
    clock,
    feed,
    log: silentLogger,
    callerCwd: dir,
    failpoint: async () => undefined,
    drainQueue: async () => undefined,
    approvals: new ApprovalBroker({ store, log: silentLogger }),
    capacity: UNLIMITED_CAPACITY,
  };
  const automation = startAutomation(ctx, silentLogger);
  const pipeline = createLanePipeline({
    store,
    journal,
    clock,
    log: silentLogger,
    publishLive: (entry) => feed.publish(entry),
    correlate: () => undefined,
    automate: (event) => automation.observe(event),
    turnEnded: () => undefined,
  });
  const settings = { sandbox: 'read-only' as const, approvalPolicy: 'never' as const };
  const lane = (laneId: string): unknown => createLane(ctx, { laneId, handle: `@${laneId}`, source: 'own', cwd: dir, status: 'idle', settings, ephemeral: false, by: 'bench' });
  lane('A');
  lane('B');
  store.triggers.insert({ id: 'ab', name: 'a→b', lane: 'A', when: { kind: 'event', event: 'turn_completed' }, action: { kind: 'send', text: 'A said: {{last_message}}', target: 'B' }, guard: { idleOnly: false, minIntervalSeconds: null, dedupe: false, once: false }, enabled: true });

  // The busy lanes, each with a turn generator; a timer feeds their events round-robin at a steady rate.
  const busy = Array.from({ length: options.busyLanes }, (_, i) => `busy${i}`);
  for (const id of busy) lane(id);
  const streams = busy.map((id) => ({ id, turn: 0, events: busyTurn(id, 0) }));
  let busyEvents = 0;
  let next = 0;
  const tickMs = 10;
  const pumpStart = performance.now();
  // Timers fire late on a loaded machine: each tick catches up to the asked rate (at most 4 ticks' worth).
  // How long the event loop is held by one tick of busy-lane events: a reaction arriving meanwhile waits.
  const tickDurations: number[] = [];
  const pump = streams.length === 0 ? undefined : setInterval(() => {
    const tickStart = performance.now();
    const due = Math.floor(((performance.now() - pumpStart) * options.busyEventsPerSecond) / 1000) - busyEvents;
    const batch = Math.min(due, Math.ceil((options.busyEventsPerSecond * tickMs * 4) / 1000));
    for (let n = 0; n < batch; n++) {
      const stream = streams[next++ % streams.length];
      if (!stream) continue;
      let step = stream.events.next();
      if (step.done) {
        stream.events = busyTurn(stream.id, ++stream.turn);
        step = stream.events.next();
      }
      if (!step.done) {
        pipeline(step.value);
        busyEvents++;
      }
    }
    tickDurations.push(performance.now() - tickStart);
  }, tickMs);

  // B's turn ends (as codex would report it) so every round starts from an idle B.
  const settleB = (): void => {
    const active = store.lanes.find('B')?.activeTurnId;
    if (active) pipeline({ type: 'turnCompleted', laneId: 'B', turnId: active, outcome: 'completed' });
  };
  const startedAt = performance.now();
  const reaction: number[] = [];
  const direct: number[] = [];
  try {
    for (let i = 0; i < options.rounds; i++) {
      settleB();
      pipeline({ type: 'turnStarted', laneId: 'A', turnId: `a${i}` });
      // A trigger that never fires must fail the bench, not leave a top-level await hanging (exit 13).
      const done = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('the trigger never started a turn for B')), 5000);
        started = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      const t0 = performance.now();
      pipeline({ type: 'turnCompleted', laneId: 'A', turnId: `a${i}`, outcome: 'completed', lastAgentMessage: `result ${i}` });
      await done;
      reaction.push(performance.now() - t0);
      // Let the busy lanes' timer run between rounds, as events arrive independently of each other.
      await new Promise((r) => setImmediate(r));
    }
    started = undefined;
    for (let i = 0; i < options.rounds; i++) {
      settleB();
      const t0 = performance.now();
      const b = store.lanes.find('B');
      if (!b) throw new Error('lane B vanished');
      await deliver(ctx, { lane: b, mode: 'send', text: `direct ${i}`, source: 'bench' });
      direct.push(performance.now() - t0);
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    if (pump) clearInterval(pump);
    automation.stop();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - startedAt) / 1000;
  const load = `${options.busyLanes} busy lanes`;
  const extra = { rounds: options.rounds, busy_lanes: options.busyLanes, busy_events_per_s: Math.round(busyEvents / seconds), busy_tick_p50_ms: Number(percentile(tickDurations, 0.5).toFixed(2)), busy_tick_p99_ms: Number(percentile(tickDurations, 0.99).toFixed(2)), busy_event_us: Math.round((tickDurations.reduce((a, b) => a + b, 0) * 1000) / Math.max(1, busyEvents)) };
  return [
    { name: `reaction p50, ${load}`, value: percentile(reaction, 0.5), unit: 'ms', baseline: { value: percentile(direct, 0.5), name: 'direct delivery p50' }, extra },
    { name: `reaction p99, ${load}`, value: percentile(reaction, 0.99), unit: 'ms', baseline: { value: percentile(direct, 0.99), name: 'direct delivery p99' }, goal: { of: 'value', max: 5 }, extra },
  ];
}
