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
