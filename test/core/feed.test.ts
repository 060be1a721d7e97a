import { describe, expect, it } from 'vitest';
import { LaneFeedHub } from '../../src/core/feed.js';
import type { FeedEntry } from '../../src/core/facts.js';

const entry: FeedEntry = { seq: 1, at: '2026-12-01T00:00:00.000Z', event: { type: 'laneRead', laneId: 'L' } };

describe('the live feed', () => {
  it('gives every listener the entry even when one throws, and reports what it threw', () => {
    const errors: unknown[] = [];
    const feed = new LaneFeedHub((error) => errors.push(error));
    const seen: string[] = [];
    feed.onEntry(() => seen.push('first'));
    feed.onEntry(() => {
      throw new Error('listener broke');
    });
    feed.onEntry(() => seen.push('third'));
    feed.publish(entry);
    expect(seen).toEqual(['first', 'third']);
    expect(errors).toEqual([new Error('listener broke')]);
  });

  it('stops giving entries to a listener once disposed, even one disposed during a publish', () => {
    const feed = new LaneFeedHub();
    const seen: number[] = [];
    const second = feed.onEntry(() => seen.push(2));
    feed.onEntry(() => {
      seen.push(1);
      second.dispose();
    });
    feed.publish(entry);
    feed.publish(entry);
    expect(seen).toEqual([2, 1, 1]);
  });
});
