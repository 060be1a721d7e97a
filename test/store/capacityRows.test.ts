import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type SqliteStore } from '../../src/store/index.js';

const settings = { sandbox: 'read-only', approvalPolicy: 'never' } as const;

describe('registry rows capacity admission reads and writes', () => {
  let store: SqliteStore;
  beforeEach(() => {
    store = openStore({ path: ':memory:' });
  });
  afterEach(() => store.close());

  it('keeps the latest report per window; a sparse report leaves the other window as it was', () => {
    expect(store.rateLimits.current()).toEqual([]);
    store.rateLimits.record([{ window: 'primary', usedPercent: 93, windowMinutes: 300, resetsAt: '2026-12-01T14:05:00.000Z' }, { window: 'secondary', usedPercent: 40, windowMinutes: 10_080, resetsAt: null }], '2026-12-01T13:00:00.000Z');
    store.rateLimits.record([{ window: 'primary', usedPercent: 12.5, windowMinutes: 300, resetsAt: null }], '2026-12-01T14:06:00.000Z');
    expect(store.rateLimits.current()).toEqual([
      { window: 'primary', used_percent: 12.5, window_minutes: 300, resets_at: null, observed_at: '2026-12-01T14:06:00.000Z' },
      { window: 'secondary', used_percent: 40, window_minutes: 10_080, resets_at: null, observed_at: '2026-12-01T13:00:00.000Z' },
    ]);
  });

  it('holds only a queued receipt, once per reason, and any move clears the hold', () => {
    const row = store.deliveries.insert({ lane: 'l1', mode: 'queue', source: 'op', text: 'x', clientMessageId: 'c1', state: 'queued' });
    expect(store.deliveries.hold(row.id, 'held: 2 of 2 busy lanes')).toBe(true);
    expect(store.deliveries.hold(row.id, 'held: 2 of 2 busy lanes')).toBe(false);
    expect(store.deliveries.find(row.id)?.held).toBe('held: 2 of 2 busy lanes');
    expect(store.deliveries.transition(row.id, ['queued'], 'submitting')).toBe(true);
    expect(store.deliveries.find(row.id)?.held).toBeNull();
    expect(store.deliveries.hold(row.id, 'held: again')).toBe(false);
  });

  it('counts busy lanes once each: running ones, and ones with a receipt in flight', () => {
    for (const [id, status] of [['a', 'busy'], ['b', 'waiting_approval'], ['c', 'idle'], ['d', 'idle']] as const) store.lanes.insert({ id, handle: `@${id}`, source: 'own', cwd: null, status, settings, ephemeral: false });
    store.deliveries.insert({ lane: 'a', mode: 'send', source: 'op', text: 'x', clientMessageId: 'c1', state: 'submitting' });
    store.deliveries.insert({ lane: 'c', mode: 'send', source: 'op', text: 'x', clientMessageId: 'c2', state: 'submitting' });
    store.deliveries.insert({ lane: 'd', mode: 'send', source: 'op', text: 'x', clientMessageId: 'c3', state: 'queued' });
    expect(store.lanes.countBusy(['busy', 'waiting_approval'], ['submitting'])).toBe(3);
    expect(store.lanes.countBusy(['busy'], ['submitting'])).toBe(2);
  });
});
