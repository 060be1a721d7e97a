import { describe, expect, it } from 'vitest';
import type { FactBounds, FeedEntry, StoredFact } from '../../src/core/facts.js';
import { startSubscription, type SubscriptionSource } from '../../src/daemon/subscription.js';
import { DispatchError } from '../../src/shared/errors.js';

/** A log holding `facts` whose ends are `bounds` (pruned facts are simply absent). */
function source(bounds: FactBounds, facts: StoredFact[] = []): SubscriptionSource {
  return {
    onEntry: () => ({ dispose: () => undefined }),
    factsSince: (seq, _lanes, limit) => facts.filter((f) => f.seq > seq).slice(0, limit),
    factBounds: () => bounds,
  };
}

const start = (since: number) => ({ since, send: async (_entry: FeedEntry) => undefined, onError: () => undefined });

describe('a subscription from a cursor', () => {
  it('says facts were missed when pruning emptied the log after the cursor', () => {
    const sub = startSubscription(source({ oldest: null, latest: 5 }), start(2));
    sub.dispose();
    expect(sub.missed).toBe(true);
  });

  it('misses nothing at the latest fact, or right before the oldest kept', () => {
    const atEnd = startSubscription(source({ oldest: null, latest: 5 }), start(5));
    const beforeOldest = startSubscription(source({ oldest: 3, latest: 5 }), start(2));
    atEnd.dispose();
    beforeOldest.dispose();
    expect([atEnd.missed, beforeOldest.missed]).toEqual([false, false]);
    const pruned = startSubscription(source({ oldest: 3, latest: 5 }), start(1));
    pruned.dispose();
    expect(pruned.missed).toBe(true);
  });

  it('refuses a cursor past the latest fact, naming both numbers', () => {
    let error: unknown;
    try {
      startSubscription(source({ oldest: 1, latest: 5 }), start(9));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DispatchError);
    expect(error).toMatchObject({ code: 'validation' });
    expect((error as Error).message).toMatch(/9.*5/);
  });
});

describe('a replay', () => {
  it('writes one fact at a time, each after the socket took the last, and records the last one sent', async () => {
    const facts = Array.from({ length: 100 }, (_, n) => ({ seq: n + 1, at: 'now', type: 'laneRead', laneId: 'lane' }) as unknown as StoredFact);
    const pending: Array<() => void> = [];
    const sent: number[] = [];
    const sub = startSubscription(source({ oldest: 1, latest: 100 }, facts), {
      since: 0,
      send: (entry) => {
        sent.push(entry.seq ?? -1);
        return new Promise<void>((resolve) => pending.push(resolve));
      },
      onError: () => undefined,
    });
    await new Promise((r) => setImmediate(r));
    // The socket has not taken the first fact: nothing more is queued for it.
    expect(sent).toEqual([1]);
    expect(sub.lastSent).toBe(0);
    for (let step = 0; step < 10; step++) {
      pending.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(sent).toHaveLength(11);
    expect(sub.lastSent).toBe(10);
    sub.dispose();
  });
});
