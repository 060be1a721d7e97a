import { describe, expect, it } from 'vitest';
import type { FeedEntry } from '../../src/core/facts.js';
import type { LaneEvent } from '../../src/core/laneEvents.js';
import { createJournal } from '../../src/core/journal.js';
import { createLane } from '../../src/core/lanes.js';
import { createLanePipeline } from '../../src/core/pipeline.js';
import { openStore } from '../../src/store/index.js';

// A batch (what codex sent in one read) is recorded in one transaction, published after its commit
// in sequence order, and a bad event in it costs only itself, as without batches.
function setup() {
  const store = openStore({ path: ':memory:' });
  let ms = Date.parse('2026-11-25T00:00:00Z');
  const clock = { now: () => new Date((ms += 1000)) };
  const published: FeedEntry[] = [];
  /** What the log held each time the feed got an entry. */
  const loggedAtPublish: number[] = [];
  const journal = createJournal({
    store,
    clock,
    publish: (entry) => {
      published.push(entry);
      loggedAtPublish.push(store.facts.bounds().latest);
    },
  });
  const settings = { sandbox: 'read-only' as const, approvalPolicy: 'never' as const };
  for (const id of ['A', 'B']) createLane({ store, journal }, { laneId: id, handle: `@${id}`, source: 'own', cwd: '/w', status: 'idle', settings, ephemeral: false, by: 'test' });
  published.length = 0;
  loggedAtPublish.length = 0;
  const errors: unknown[] = [];
  const stagesSeen: string[] = [];
  const pipeline = createLanePipeline({
    store,
    journal,
    clock,
    log: { info: () => undefined, warn: () => undefined, error: (message, data) => errors.push({ message, data }) },
    publishLive: (entry) => published.push(entry),
    correlate: (event) => stagesSeen.push(`correlate ${event.type} ${event.laneId}`),
    automate: () => undefined,
    turnEnded: (id) => stagesSeen.push(`queue ${id}`),
  });
  return { store, pipeline, published, loggedAtPublish, errors, stagesSeen };
}

const turn = (laneId: string, turnId: string): LaneEvent[] => [
  { type: 'turnStarted', laneId, turnId },
  { type: 'itemCompleted', laneId, turnId, item: { id: `${turnId}-m`, type: 'agentMessage', text: `reply of ${laneId}`, raw: null } },
  { type: 'turnCompleted', laneId, turnId, outcome: 'completed', lastAgentMessage: `reply of ${laneId}` },
];

describe('lane pipeline batches', () => {
  it('records a batch spanning lanes in one transaction: nothing is published before all of it is committed, then all in sequence order', () => {
    const { store, pipeline, published, loggedAtPublish, stagesSeen } = setup();
    const before = store.facts.bounds().latest;
    const events = [...turn('A', 'a1'), ...turn('B', 'b1')];
    pipeline.batch(() => {
      for (const event of events) pipeline(event);
      // Held until the read ends: nothing written, nothing published, no stage run yet.
      expect(store.facts.bounds().latest).toBe(before);
      expect(published).toEqual([]);
      expect(stagesSeen).toEqual([]);
    });
    expect(published.map((entry) => [entry.event.type, entry.event.laneId])).toEqual(events.map((event) => [event.type, event.laneId]));
    expect(published.map((entry) => entry.seq)).toEqual(events.map((_, i) => before + 1 + i));
    // Each publication came after the whole batch was in the log.
    expect(new Set(loggedAtPublish)).toEqual(new Set([before + events.length]));
    expect(store.lanes.find('A')).toMatchObject({ status: 'idle', lastAgentMessage: 'reply of A', latestTurn: { id: 'a1', status: 'completed' } });
    expect(store.lanes.find('B')).toMatchObject({ status: 'idle', lastAgentMessage: 'reply of B', latestTurn: { id: 'b1', status: 'completed' } });
    // The later stages run per event, in order, after the commit.
    expect(stagesSeen).toEqual([...events.map((event) => `correlate ${event.type} ${event.laneId}`).slice(0, 3), 'queue A', ...events.map((event) => `correlate ${event.type} ${event.laneId}`).slice(3), 'queue B']);
  });

  it('publishes a delta of the batch between the facts around it', () => {
    const { pipeline, published } = setup();
    const [started, message, completed] = turn('A', 'a1') as [LaneEvent, LaneEvent, LaneEvent];
    pipeline.batch(() => {
      pipeline(started);
      pipeline({ type: 'agentMessageDelta', laneId: 'A', turnId: 'a1', itemId: 'a1-m', delta: 'rep' });
      pipeline(message);
      pipeline(completed);
    });
    expect(published.map((entry) => entry.event.type)).toEqual(['turnStarted', 'agentMessageDelta', 'itemCompleted', 'turnCompleted']);
  });

  it('a write that fails inside a batch costs only its own event: the rest are recorded, in order, and no half of the bad one is left', () => {
    const { store, pipeline, published, errors } = setup();
    const update = store.lanes.update.bind(store.lanes);
    // The lane write after the fact was appended fails, for B's message only.
    store.lanes.update = (id, patch) => {
      if (id === 'B' && patch.lastAgentMessage === 'reply of B' && patch.status === undefined) throw new Error('disk trouble');
      return update(id, patch);
    };
    const before = store.facts.bounds().latest;
    const events = [...turn('A', 'a1'), ...turn('B', 'b1')];
    pipeline.batch(() => events.forEach(pipeline));
    const kept = events.filter((event) => !(event.laneId === 'B' && event.type === 'itemCompleted'));
    const logged = store.facts.since(before, { limit: 100 });
    expect(logged.map((fact) => [fact.type, fact.laneId])).toEqual(kept.map((event) => [event.type, event.laneId]));
    expect(published.map((entry) => entry.seq)).toEqual(logged.map((fact) => fact.seq));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'pipeline.stage_failed', data: { stage: 'reactor', event: 'itemCompleted', lane: 'B', error: 'disk trouble' } });
    // B's turn still ended; its last message came from turn/completed, A is whole.
    expect(store.lanes.find('B')).toMatchObject({ status: 'idle', latestTurn: { id: 'b1', status: 'completed' } });
    expect(store.lanes.find('A')).toMatchObject({ status: 'idle', lastAgentMessage: 'reply of A' });
  });

  it('a subscriber that throws after the commit does not make the batch run twice', () => {
    const { store, pipeline, errors } = setup();
    const before = store.facts.bounds().latest;
    let calls = 0;
    store.afterCommit = ((original) => (fn: () => void) => original(() => {
      fn();
      if (++calls === 2) throw new Error('subscriber failed');
    }))(store.afterCommit.bind(store));
    pipeline.batch(() => turn('A', 'a1').forEach(pipeline));
    expect(store.facts.since(before, { limit: 100 }).map((fact) => fact.type)).toEqual(['turnStarted', 'itemCompleted', 'turnCompleted']);
    expect(errors).toHaveLength(1);
  });

  it('an event outside a batch, and a batch of one, are recorded at once as before', () => {
    const { store, pipeline, published } = setup();
    pipeline({ type: 'turnStarted', laneId: 'A', turnId: 'a1' });
    expect(store.lanes.find('A')?.status).toBe('busy');
    pipeline.beginBatch();
    pipeline.beginBatch();
    pipeline({ type: 'turnCompleted', laneId: 'A', turnId: 'a1', outcome: 'completed' });
    pipeline.endBatch();
    expect(store.lanes.find('A')?.status).toBe('busy'); // the outer read is not over yet
    pipeline.endBatch();
    expect(store.lanes.find('A')?.status).toBe('idle');
    expect(published).toHaveLength(2);
  });
});
