import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Fact } from '../../src/core/facts.js';
import { createJournal } from '../../src/core/journal.js';
import type { TokenCounts } from '../../src/core/laneEvents.js';
import { openStore, type SqliteStore } from '../../src/store/index.js';
import { manualClock, MINIMAL_SETTINGS, type ManualClock } from '../store/helpers.js';

// The journal writes a turn's usage row with the tokenUsage fact that reports it, in one transaction.

const counts = (input: number, output: number, cachedInput = 0, reasoning = 0): TokenCounts => ({ input, cachedInput, output, reasoning, total: input + output });
const created: Fact = { type: 'laneCreated', laneId: 'L', handle: '@L', source: 'own', cwd: '/w', status: 'idle', settings: { ...MINIMAL_SETTINGS, model: 'gpt-test' }, ephemeral: false, by: 'new' };
const report = (turnId: string, total: TokenCounts, last: TokenCounts): Fact => ({ type: 'tokenUsage', laneId: 'L', turnId, totalTokens: total.total, lastTokens: last.total, contextWindow: 1000, total, last });

let store: SqliteStore;
let clock: ManualClock;
beforeEach(() => {
  clock = manualClock();
  store = openStore({ path: ':memory:', clock });
});
afterEach(() => store.close());

describe('journal and turn usage', () => {
  it("records each turn's usage from its reports, with the lane's model, the time and the fact's seq", () => {
    const journal = createJournal({ store, clock, publish: () => undefined });
    journal.record(created);
    journal.record(report('T1', counts(100, 10), counts(100, 10)));
    clock.advance(1000);
    const latest = journal.record(report('T1', counts(300, 30, 50, 4), counts(200, 20, 50, 4)));
    journal.record(report('T2', counts(340, 35, 50, 4), counts(40, 5)));
    expect(store.usage.find('L', 'T1')).toEqual({
      lane: 'L',
      turnId: 'T1',
      tokens: counts(300, 30, 50, 4),
      threadTotal: counts(300, 30, 50, 4),
      model: 'gpt-test',
      contextWindow: 1000,
      at: latest.at,
      seq: latest.seq,
    });
    expect(store.usage.find('L', 'T2')?.tokens).toEqual(counts(40, 5));
  });

  it('writes nothing for a report stored before usage was broken down, and nothing when the transaction rolls back', () => {
    const journal = createJournal({ store, clock, publish: () => undefined });
    journal.record(created);
    journal.record({ type: 'tokenUsage', laneId: 'L', turnId: 'T0', totalTokens: 5, lastTokens: 5, contextWindow: null });
    expect(store.usage.find('L', 'T0')).toBeUndefined();
    expect(() =>
      store.transaction(() => {
        journal.record(report('T1', counts(100, 10), counts(100, 10)));
        throw new Error('undo');
      }),
    ).toThrow('undo');
    expect(store.usage.find('L', 'T1')).toBeUndefined();
    expect(store.facts.latestOfType('L', 'tokenUsage')).toMatchObject({ turnId: 'T0' });
  });
});

describe('one writer of turn usage', () => {
  it('usage.put( appears only in the journal (store/ implements it)', () => {
    const src = fileURLToPath(new URL('../../src/', import.meta.url));
    const writers: string[] = [];
    for (const entry of readdirSync(src, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
      const file = path.relative(src, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
      if (file.startsWith('store/')) continue;
      readFileSync(path.join(src, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\busage\s*(?:\?\.|\.)\s*put\s*\(/.test(line)) writers.push(`${file}:${i + 1}`);
        });
    }
    expect(writers.filter((w) => !w.startsWith('core/journal.ts:'))).toEqual([]);
    expect(writers.length).toBe(1);
  });
});
