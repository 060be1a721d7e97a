/**
 * Facts persisted per second through the daemon's real path (pipeline → reactor → journal → a file
 * registry), against the floor: raw better-sqlite3 inserts of the same stored rows, in the same
 * batches, into the same schema with the same pragmas, measured in the same run.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../src/core/context.js';
import { storedFormOf, type Fact } from '../src/core/facts.js';
import { createJournal } from '../src/core/journal.js';
import type { LaneEvent } from '../src/core/laneEvents.js';
import { createLanePipeline } from '../src/core/pipeline.js';
import { openStore } from '../src/store/index.js';
import type { BenchRow } from './report.js';

const LANES = 8;
const TURNS_PER_LANE = 250;
const ITEMS_PER_TURN = 4;
/** What one read of codex's stdout carries at most: the daemon handles one read as one batch. */
const READ_BYTES = 64 * 1024;
const ROUNDS = 3;

const settings = { sandbox: 'read-only' as const, approvalPolicy: 'never' as const };

/** One turn as codex reports it: status, turn start, items (a command, an agent message), usage, end. */
function turnEvents(laneId: string, turn: number): LaneEvent[] {
  const turnId = `${laneId}-t${turn}`;
  const events: LaneEvent[] = [
    { type: 'statusChanged', laneId, status: 'active', activeFlags: [] },
    { type: 'turnStarted', laneId, turnId },
  ];
  for (let i = 0; i < ITEMS_PER_TURN; i++) {
    const command = i % 2 === 0;
    const item = command
      ? { id: `${turnId}-i${i}`, type: 'commandExecution', command: 'npm test -- --reporter dot', status: 'inProgress', raw: { id: `${turnId}-i${i}` } }
      : { id: `${turnId}-i${i}`, type: 'agentMessage', text: '', raw: { id: `${turnId}-i${i}` } };
    events.push({ type: 'itemStarted', laneId, turnId, item });
    const done = command ? { ...item, status: 'completed', exitCode: 0 } : { ...item, text: `Step ${i} of turn ${turn}: the tests pass and the change is ready for review.` };
    events.push({ type: 'itemCompleted', laneId, turnId, item: done });
    events.push({ type: 'tokenUsage', laneId, turnId, totalTokens: 1000 * turn + i, lastTokens: 250, contextWindow: 200_000 });
  }
  events.push({ type: 'statusChanged', laneId, status: 'idle', activeFlags: [] });
  events.push({ type: 'turnCompleted', laneId, turnId, outcome: 'completed', durationMs: 1200, lastAgentMessage: 'the tests pass' });
  return events;
}

/** Lanes' turns interleaved as they arrive from one app-server, cut into the reads they would fill. */
function workload(): LaneEvent[][] {
  const events: LaneEvent[] = [];
  for (let turn = 0; turn < TURNS_PER_LANE; turn++) for (let lane = 0; lane < LANES; lane++) events.push(...turnEvents(`lane-${lane}`, turn));
  const batches: LaneEvent[][] = [];
  let batch: LaneEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = JSON.stringify(event).length + 1;
    if (bytes + size > READ_BYTES && batch.length > 0) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += size;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Seconds to push every batch through the daemon's pipeline into a fresh file registry. */
function throughPipeline(dir: string, batches: LaneEvent[][]): { seconds: number; published: number } {
  const store = openStore({ path: path.join(dir, 'pipeline.db') });
  const clock = { now: () => new Date() };
  let published = 0;
  const journal = createJournal({ store, clock, publish: () => published++, log: silentLogger });
  for (let lane = 0; lane < LANES; lane++) {
    journal.record({ type: 'laneCreated', laneId: `lane-${lane}`, handle: `@lane-${lane}`, source: 'own', cwd: dir, status: 'idle', settings, ephemeral: false, by: 'bench' });
  }
  published = 0;
  const pipeline = createLanePipeline({
    store,
    journal,
    clock,
    log: silentLogger,
    publishLive: () => undefined,
    correlate: () => undefined,
    automate: () => undefined,
    turnEnded: () => undefined,
  });
  const start = performance.now();
  for (const batch of batches) pipeline.batch(() => batch.forEach(pipeline));
  const seconds = (performance.now() - start) / 1000;
  store.close();
  return { seconds, published };
}

/** Seconds to insert the same stored rows with bare better-sqlite3, one transaction per batch. */
function rawInserts(dir: string, batches: LaneEvent[][]): number {
  // The same schema and pragmas: the registry's own migrations, then a bare connection to it.
  openStore({ path: path.join(dir, 'raw.db') }).close();
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  const insert = db.prepare('INSERT INTO facts (at, lane, type, data) VALUES (?, ?, ?, ?)');
  const insertBatch = db.transaction((batch: LaneEvent[]) => {
    const at = new Date().toISOString();
    for (const event of batch) insert.run(at, event.laneId, event.type, JSON.stringify(storedFormOf(event as Fact)));
  });
  const start = performance.now();
  for (const batch of batches) insertBatch(batch);
  const seconds = (performance.now() - start) / 1000;
  db.close();
  return seconds;
}

export async function benchFacts(): Promise<BenchRow[]> {
  const batches = workload();
  const facts = batches.reduce((sum, batch) => sum + batch.length, 0);
  let best = { pipeline: Infinity, raw: Infinity };
  for (let round = 0; round < ROUNDS; round++) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dsp-bench-facts-'));
    try {
      const { seconds, published } = throughPipeline(dir, batches);
      if (published !== facts) throw new Error(`the pipeline published ${published} of ${facts} facts`);
      best = { pipeline: Math.min(best.pipeline, seconds), raw: Math.min(best.raw, rawInserts(dir, batches)) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const perSecond = (seconds: number): number => Math.round(facts / seconds);
  const extra = { facts, lanes: LANES, batches: batches.length, 'facts per batch': Math.round(facts / batches.length), rounds: `best of ${ROUNDS}` };
  const baseline = { value: perSecond(best.raw), name: 'raw better-sqlite3 batched inserts' };
  return [
    { name: 'facts persisted per second (vs raw inserts)', value: perSecond(best.pipeline), unit: 'facts/s', baseline, goal: { of: 'ratio', min: 0.5 }, extra },
    { name: 'facts persisted per second', value: perSecond(best.pipeline), unit: 'facts/s', goal: { of: 'value', min: 50_000 } },
  ];
}

// Run alone: `npx tsx bench/facts.ts`.
if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await benchFacts(), null, 2));
