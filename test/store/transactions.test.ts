import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type SqliteStore } from '../../src/store/index.js';
import { MINIMAL_SETTINGS } from './helpers.js';

// The registry's transactions: savepoints for nested calls, `join` without one (a failure dooms the
// level it joined), and lanes cached within one transaction and written before it commits.
let store: SqliteStore;
beforeEach(() => {
  store = openStore({ path: ':memory:' });
  store.lanes.insert({ id: 'L', handle: '@l', source: 'own', cwd: '/w', status: 'idle', settings: MINIMAL_SETTINGS, ephemeral: false });
});
afterEach(() => store.close());

const fact = (turnId: string) => ({ type: 'turnStarted' as const, laneId: 'L', turnId });

describe('store transactions', () => {
  it('a joined write that throws rolls back the level it joined, even when the caller catches the error', () => {
    const before = store.facts.bounds().latest;
    const committed: string[] = [];
    expect(() =>
      store.transaction(() => {
        store.facts.append(fact('T0'), 'now');
        try {
          store.join(() => {
            store.facts.append(fact('T1'), 'now');
            store.lanes.update('L', { status: 'busy' });
            throw new Error('second write failed');
          });
        } catch {
          // a caller that swallows it
        }
        store.afterCommit(() => committed.push('ran'));
      }),
    ).toThrow('second write failed');
    expect(store.facts.bounds().latest).toBe(before);
    expect(store.lanes.find('L')?.status).toBe('idle');
    expect(committed).toEqual([]);
  });

  it('inside a savepoint, a joined failure undoes the savepoint only', () => {
    store.transaction(() => {
      store.lanes.update('L', { status: 'busy' });
      try {
        store.transaction(() => {
          store.join(() => {
            store.lanes.update('L', { status: 'error' });
            throw new Error('inner');
          });
        });
      } catch {
        // the outer level goes on
      }
      expect(store.lanes.find('L')?.status).toBe('busy');
    });
    expect(store.lanes.find('L')?.status).toBe('busy');
  });

  it('a lane changed in a transaction is what every read in it sees (SQL reads too), and is in the table after the commit', () => {
    store.transaction(() => {
      const updated = store.lanes.update('L', { status: 'busy', lastEventAt: '2030-01-01T00:00:00.000Z' });
      expect(updated).toMatchObject({ status: 'busy', lastEventAt: '2030-01-01T00:00:00.000Z' });
      expect(store.lanes.find('L')?.status).toBe('busy');
      expect(store.lanes.list()[0]?.status).toBe('busy');
      expect(store.lanes.findByHandle('@l')[0]?.status).toBe('busy');
      store.lanes.update('L', { attention: 'working' });
    });
    // Outside the transaction nothing is cached: this is the row.
    expect(store.lanes.list()[0]).toMatchObject({ status: 'busy', attention: 'working', lastEventAt: '2030-01-01T00:00:00.000Z' });
  });

  it('a rolled-back change leaves neither the row nor the cache changed', () => {
    expect(() =>
      store.transaction(() => {
        store.lanes.update('L', { status: 'busy' });
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(store.lanes.find('L')?.status).toBe('idle');
    store.transaction(() => expect(store.lanes.find('L')?.status).toBe('idle'));
  });

  it('a taken handle fails at the update, inside a transaction too', () => {
    store.lanes.insert({ id: 'M', handle: '@m', source: 'own', cwd: '/w', status: 'idle', settings: MINIMAL_SETTINGS, ephemeral: false });
    expect(() => store.transaction(() => store.lanes.update('M', { handle: '@l' }))).toThrow(/already taken/);
    expect(() => store.transaction(() => store.lanes.update('nope', { status: 'busy' }))).toThrow(/no lane/);
  });
});
