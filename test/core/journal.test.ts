import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Fact, FeedEntry } from '../../src/core/facts.js';
import { MAX_FACT_TEXT } from '../../src/core/facts.js';
import { createJournal } from '../../src/core/journal.js';
import { createLane } from '../../src/core/lanes.js';
import type { FactRetention } from '../../src/core/ports.js';
import { DispatchError } from '../../src/shared/errors.js';
import { openStore, type SqliteStore } from '../../src/store/index.js';
import { manualClock, MINIMAL_SETTINGS, type ManualClock } from '../store/helpers.js';

// The journal on a real (in-memory) registry: a fact and the lane change it makes are one write.

const created = (laneId: string): Extract<Fact, { type: 'laneCreated' }> => ({
  type: 'laneCreated',
  laneId,
  handle: `@${laneId}`,
  source: 'own',
  cwd: '/w',
  status: 'idle',
  settings: MINIMAL_SETTINGS,
  ephemeral: false,
  by: 'new',
});
const started = (turnId: string, laneId = 'L'): Fact => ({ type: 'turnStarted', laneId, turnId });

let store: SqliteStore;
let clock: ManualClock;
let published: FeedEntry[];
const logged: Array<{ message: string; data: unknown }> = [];

function journalWith(retention?: FactRetention) {
  return createJournal({
    store,
    clock,
    publish: (entry) => published.push(entry),
    ...(retention ? { retention } : {}),
    log: { info: (message, data) => logged.push({ message, data }), warn: () => undefined, error: () => undefined },
  });
}

const allFacts = () => store.facts.since(0, { limit: 10_000 });

beforeEach(() => {
  clock = manualClock();
  store = openStore({ path: ':memory:', clock });
  published = [];
  logged.length = 0;
});
afterEach(() => store.close());

describe('journal', () => {
  it('gives each fact the next sequence number and the clock time, and folds it into its lane', () => {
    const journal = journalWith();
    const first = journal.record(created('L'));
    clock.advance(1000);
    const second = journal.record(started('T1'));
    clock.advance(1000);
    const third = journal.record({ type: 'tokenUsage', laneId: 'L', turnId: 'T1', totalTokens: 1, lastTokens: 1, contextWindow: null });
    expect([first.seq, second.seq, third.seq]).toEqual([1, 2, 3]);
    expect(second).toEqual({ seq: 2, at: '2030-01-02T03:04:06.678Z' });
    expect(allFacts().map((f) => [f.seq, f.type, f.at])).toEqual([
      [1, 'laneCreated', '2030-01-02T03:04:05.678Z'],
      [2, 'turnStarted', '2030-01-02T03:04:06.678Z'],
      [3, 'tokenUsage', '2030-01-02T03:04:07.678Z'],
    ]);
    expect(store.lanes.find('L')).toMatchObject({ status: 'busy', attention: 'working', activeTurnId: 'T1', latestTurn: { id: 'T1', at: second.at }, lastEventAt: second.at });
    // Outside a transaction each fact is published as it commits.
    expect(published.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('keeps sequence numbers strictly increasing over many facts and lanes', () => {
    const journal = journalWith();
    const seqs: number[] = [];
    for (const lane of ['A', 'B', 'C']) seqs.push(journal.record(created(lane)).seq);
    for (let i = 0; i < 50; i++) seqs.push(journal.record(started(`T${i}`, ['A', 'B', 'C'][i % 3])).seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1] ?? Infinity);
    expect(published.map((e) => e.seq)).toEqual(seqs);
  });

  it('records a fact about a lane it does not know without making a lane', () => {
    const journal = journalWith();
    journal.record(started('T1', 'ghost'));
    expect(store.lanes.find('ghost')).toBeUndefined();
    expect(allFacts().map((f) => f.laneId)).toEqual(['ghost']);
  });

  it('a fact and its lane change roll back together: no fact row, no lane change, nothing published', () => {
    const journal = journalWith();
    journal.record(created('L'));
    published.length = 0;
    const before = store.lanes.find('L');
    expect(() =>
      store.transaction(() => {
        journal.record(started('T1'));
        journal.record(created('M'));
        expect(store.lanes.find('L')?.status).toBe('busy');
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(store.lanes.find('L')).toEqual(before);
    expect(store.lanes.find('M')).toBeUndefined();
    expect(allFacts().map((f) => f.type)).toEqual(['laneCreated']);
    expect(published).toEqual([]);
  });

  it('a failing lane write takes its fact with it', () => {
    const journal = journalWith();
    journal.record(created('L'));
    published.length = 0;
    // The handle is taken: the lane insert throws inside record, after the fact was appended.
    expect(() => journal.record({ ...created('M'), handle: '@L' })).toThrow(DispatchError);
    expect(allFacts()).toHaveLength(1);
    expect(store.lanes.find('M')).toBeUndefined();
    expect(published).toEqual([]);
  });

  it('publishes only after the outer commit, in sequence order', () => {
    const journal = journalWith();
    const seen: Array<Array<number | null>> = [];
    store.transaction(() => {
      journal.record(created('L'));
      store.transaction(() => {
        journal.record(started('T1'));
        journal.record({ type: 'statusChanged', laneId: 'L', status: 'active', activeFlags: [] });
      });
      seen.push(published.map((e) => e.seq));
      journal.record({ type: 'turnCompleted', laneId: 'L', turnId: 'T1', outcome: 'completed' });
      seen.push(published.map((e) => e.seq));
    });
    // Nothing went out while the outer transaction was open, not even the committed savepoint's facts.
    expect(seen).toEqual([[], []]);
    expect(published.map((e) => [e.seq, e.event.type])).toEqual([
      [1, 'laneCreated'],
      [2, 'turnStarted'],
      [3, 'statusChanged'],
      [4, 'turnCompleted'],
    ]);
    expect(published.map((e) => e.at)).toEqual(allFacts().map((f) => f.at));
  });

  it('a nested transaction that throws and is caught drops only its own facts and their publications', () => {
    const journal = journalWith();
    store.transaction(() => {
      journal.record(created('L'));
      try {
        store.transaction(() => {
          journal.record(started('T-dropped'));
          throw new Error('inner fails');
        });
      } catch {
        // The outer transaction carries on without the inner facts.
      }
      journal.record(started('T-kept'));
    });
    const facts = allFacts();
    expect(facts.map((f) => f.type === 'turnStarted' && f.turnId)).toEqual([false, 'T-kept']);
    expect(published.map((e) => e.seq)).toEqual(facts.map((f) => f.seq));
    expect(published.some((e) => e.event.type === 'turnStarted' && e.event.turnId === 'T-dropped')).toBe(false);
    expect(store.lanes.find('L')?.activeTurnId).toBe('T-kept');
  });

  it('a publication that throws does not keep the other facts of the transaction from being published', () => {
    const journal = createJournal({
      store,
      clock,
      publish: (entry) => {
        published.push(entry);
        if (entry.seq === 2) throw new Error('a listener failed');
      },
    });
    expect(() =>
      store.transaction(() => {
        journal.record(created('L'));
        journal.record(started('T1'));
        journal.record({ type: 'statusChanged', laneId: 'L', status: 'active', activeFlags: [] });
      }),
    ).toThrow('a listener failed');
    // Committed all the same, and every committed fact went out, in order.
    expect(allFacts().map((f) => f.seq)).toEqual([1, 2, 3]);
    expect(published.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('stores items without their raw payload and with long text cut; the published entry keeps the full event', () => {
    const journal = journalWith();
    journal.record(created('L'));
    const text = 'x'.repeat(MAX_FACT_TEXT + 10);
    const raw = { type: 'agentMessage', id: 'i1', text, extra: 'wire detail' };
    const fact: Fact = { type: 'itemCompleted', laneId: 'L', turnId: 'T1', item: { id: 'i1', type: 'agentMessage', text, raw } };
    const recorded = journal.record(fact);
    const [stored] = store.facts.since(recorded.seq - 1, { limit: 1 });
    expect(stored).toEqual({ type: 'itemCompleted', laneId: 'L', turnId: 'T1', item: { id: 'i1', type: 'agentMessage', text: text.slice(0, MAX_FACT_TEXT), truncated: true }, seq: recorded.seq, at: recorded.at });
    expect(published.at(-1)).toEqual({ seq: recorded.seq, at: recorded.at, event: fact });
    // The lane keeps the whole message: the fold sees the full fact, not the stored form.
    expect(store.lanes.find('L')?.lastAgentMessage).toBe(text);
    // A short item keeps its text whole, and still loses raw.
    const short = journal.record({ type: 'itemStarted', laneId: 'L', turnId: 'T1', item: { id: 'i2', type: 'commandExecution', command: 'ls', raw } });
    expect(store.facts.since(short.seq - 1, { limit: 1 })[0]).toEqual({ type: 'itemStarted', laneId: 'L', turnId: 'T1', item: { id: 'i2', type: 'commandExecution', command: 'ls' }, seq: short.seq, at: short.at });
  });

  it('createLane refuses an id that is already registered, with a conflict and no new fact', () => {
    const journal = journalWith();
    const ctx = { store, journal };
    const lane = createLane(ctx, { ...created('L'), handle: '@first' });
    expect(lane).toMatchObject({ id: 'L', handle: '@first', status: 'idle', attention: 'idle' });
    let thrown: unknown;
    try {
      createLane(ctx, { ...created('L'), handle: '@second' });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DispatchError);
    expect((thrown as DispatchError).code).toBe('conflict');
    expect((thrown as DispatchError).message).toBe("lane 'L' is already registered");
    expect(store.lanes.find('L')?.handle).toBe('@first');
    expect(allFacts()).toHaveLength(1);
  });

  it('prunes past the retention once every 1000 appends, after the commit', () => {
    const journal = journalWith({ keep: 10, maxAgeDays: 30 });
    journal.record(created('L'));
    for (let i = 1; i < 999; i++) journal.record({ type: 'laneRead', laneId: 'L' });
    expect(allFacts()).toHaveLength(999);
    journal.record({ type: 'laneRead', laneId: 'L' });
    expect(allFacts().map((f) => f.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 991 + i));
    expect(store.facts.bounds()).toEqual({ oldest: 991, latest: 1000 });
    expect(logged).toEqual([{ message: 'facts.pruned', data: { removed: 990 } }]);
    // The lane the pruned facts made is still there: lanes are state, the log is history.
    expect(store.lanes.find('L')).toBeDefined();
  });
});

describe('journal attention changes', () => {
  it('are told after the commit, once per change of a lane\'s attention, never for a rolled-back fact', () => {
    const changes: string[] = [];
    const journal = createJournal({ store, clock, publish: () => undefined, attentionChanged: ({ from, lane, fact }) => changes.push(`${from}→${lane.attention} by ${fact.type}`) });
    journal.record(created('L'));
    store.transaction(() => {
      journal.record(started('T1'));
      // Not yet: the transaction may still roll back.
      expect(changes).toEqual([]);
    });
    journal.record({ type: 'itemStarted', laneId: 'L', turnId: 'T1', item: { id: 'i', type: 'reasoning', raw: null } });
    journal.record({ type: 'turnCompleted', laneId: 'L', turnId: 'T1', outcome: 'completed' });
    journal.record({ type: 'laneRead', laneId: 'L' });
    journal.record({ type: 'laneRead', laneId: 'L' });
    expect(() =>
      store.transaction(() => {
        journal.record(started('T2'));
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(changes).toEqual(['idle→working by turnStarted', 'working→done-unread by turnCompleted', 'done-unread→idle by laneRead']);
  });
});
