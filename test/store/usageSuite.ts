import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TokenCounts } from '../../src/core/laneEvents.js';
import type { Clock, Store, TurnUsage } from '../../src/core/ports.js';
import { manualClock } from './helpers.js';

const counts = (input: number, output: number, cachedInput = 0, reasoning = 0): TokenCounts => ({ input, cachedInput, output, reasoning, total: input + output });

function usage(lane: string, turnId: string, tokens: TokenCounts, at: string, seq: number, overrides: Partial<TurnUsage> = {}): TurnUsage {
  return { lane, turnId, tokens, threadTotal: counts(tokens.input * 10, tokens.output * 10), model: null, contextWindow: 272_000, at, seq, ...overrides };
}

/** The UsageRepository port's conformance suite: `open` returns a fresh, empty store. */
export function runUsageSuite(open: (clock: Clock) => Store): void {
  let store: Store;

  beforeEach(() => {
    store = open(manualClock());
  });

  afterEach(() => {
    store.close();
  });

  describe('usage', () => {
    it('keeps one row per (lane, turn): a later put replaces it, and finds it back as it was', () => {
      const first = usage('a', 'T1', counts(100, 10), '2030-01-02T03:00:00.000Z', 5, { model: 'gpt-x' });
      store.usage.put(first);
      expect(store.usage.find('a', 'T1')).toEqual(first);
      const later = usage('a', 'T1', counts(250, 30, 40, 5), '2030-01-02T03:00:01.000Z', 9, { contextWindow: null });
      store.usage.put(later);
      expect(store.usage.find('a', 'T1')).toEqual(later);
      expect(store.usage.find('a', 'T2')).toBeUndefined();
      expect(store.usage.find('b', 'T1')).toBeUndefined();
    });

    it("gives a lane's latest reported turn by sequence number", () => {
      store.usage.put(usage('a', 'T1', counts(1, 1), '2030-01-02T03:00:00.000Z', 3));
      store.usage.put(usage('a', 'T2', counts(2, 2), '2030-01-02T03:00:00.000Z', 7));
      store.usage.put(usage('b', 'T3', counts(3, 3), '2030-01-02T03:00:09.000Z', 8));
      expect(store.usage.latest('a')?.turnId).toBe('T2');
      store.usage.put(usage('a', 'T1', counts(1, 2), '2030-01-02T03:00:00.000Z', 11));
      expect(store.usage.latest('a')?.turnId).toBe('T1');
      expect(store.usage.latest('nobody')).toBeUndefined();
    });

    it('sums per lane or per UTC day, in key order, from an instant on and of some lanes only', () => {
      store.usage.put(usage('b', 'T1', counts(100, 10, 20, 1), '2030-01-01T23:59:59.999Z', 1));
      store.usage.put(usage('a', 'T2', counts(200, 20, 0, 2), '2030-01-02T00:00:00.000Z', 2));
      store.usage.put(usage('b', 'T3', counts(300, 30, 30, 3), '2030-01-02T10:00:00.000Z', 3));
      expect(store.usage.summarize({ by: 'lane' })).toEqual([
        { key: 'a', ...counts(200, 20, 0, 2), turns: 1 },
        { key: 'b', ...counts(400, 40, 50, 4), turns: 2 },
      ]);
      expect(store.usage.summarize({ by: 'day' })).toEqual([
        { key: '2030-01-01', ...counts(100, 10, 20, 1), turns: 1 },
        { key: '2030-01-02', ...counts(500, 50, 30, 5), turns: 2 },
      ]);
      expect(store.usage.summarize({ by: 'day', since: '2030-01-02T00:00:00.000Z' })).toEqual([{ key: '2030-01-02', ...counts(500, 50, 30, 5), turns: 2 }]);
      expect(store.usage.summarize({ by: 'lane', lanes: ['b'], since: '2030-01-02T00:00:00.000Z' })).toEqual([{ key: 'b', ...counts(300, 30, 30, 3), turns: 1 }]);
      expect(store.usage.summarize({ by: 'lane', lanes: [] })).toEqual([]);
      expect(store.usage.summarize({ by: 'lane', since: '2031-01-01T00:00:00.000Z' })).toEqual([]);
    });

    it('keeps usage when the fact log is pruned', () => {
      store.usage.put(usage('a', 'T1', counts(100, 10), '2030-01-02T03:00:00.000Z', 1));
      store.facts.prune({ keep: 1, maxAgeDays: 0.000001 }, new Date('2031-01-01T00:00:00.000Z'));
      expect(store.usage.summarize({ by: 'lane' })).toEqual([{ key: 'a', ...counts(100, 10), turns: 1 }]);
    });

    it('rolls a put back with the transaction it was in', () => {
      expect(() =>
        store.transaction(() => {
          store.usage.put(usage('a', 'T1', counts(100, 10), '2030-01-02T03:00:00.000Z', 1));
          throw new Error('undo');
        }),
      ).toThrow('undo');
      expect(store.usage.find('a', 'T1')).toBeUndefined();
    });
  });
}
