import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Fact } from '../../src/core/facts.js';
import { openStore } from '../../src/store/index.js';
import { tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

const usage = (laneId: string, totalTokens: number): Fact => ({ type: 'tokenUsage', laneId, turnId: 't', totalTokens, lastTokens: 1, contextWindow: null });
const read = (laneId: string): Fact => ({ type: 'laneRead', laneId });

describe('a lane\'s latest fact of a type', () => {
  it('is the newest of that lane and type, whatever came after it', () => {
    const store = openStore({ path: path.join(dirs.make(), 'registry.db') });
    const at = '2030-01-01T00:00:00.000Z';
    store.facts.append(usage('a', 10), at);
    store.facts.append(usage('b', 5), at);
    const latest = store.facts.append(usage('a', 30), at);
    store.facts.append(read('a'), at);
    store.facts.append(usage('b', 7), at);
    expect(store.facts.latestOfType('a', 'tokenUsage')).toMatchObject({ seq: latest, laneId: 'a', totalTokens: 30 });
    expect(store.facts.latestOfType('b', 'tokenUsage')).toMatchObject({ totalTokens: 7 });
    expect(store.facts.latestOfType('a', 'turnStarted')).toBeUndefined();
    expect(store.facts.latestOfType('nobody', 'tokenUsage')).toBeUndefined();
    store.close();
  });
});
