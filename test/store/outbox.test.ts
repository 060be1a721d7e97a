import { describe, expect, it } from 'vitest';
import { queueRemoteSend } from '../../src/core/fleetOutbox.js';
import { LATEST_SCHEMA_VERSION, openStore } from '../../src/store/index.js';
import { manualClock } from './helpers.js';

describe('fleet outbox (store)', () => {
  const fresh = () => openStore({ path: ':memory:', clock: manualClock() });

  it('is in the schema of this build', () => {
    expect(fresh().schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
  });

  it('inserts queued rows, lists the unposted oldest first, and marks them posted once', () => {
    const store = fresh();
    const one = store.outbox.insert({ station: 'b', lane: 'w', body: { kind: 'send', mode: 'send', text: 'x' }, idempotencyKey: null, source: 'op' });
    const two = store.outbox.insert({ station: 'b', lane: 'w', body: { kind: 'respond', request: 4, decision: 'accept' }, idempotencyKey: null, source: 'op' });
    expect(one).toMatchObject({ state: 'queued', mailId: null, receipt: null, body: { kind: 'send', text: 'x' } });
    expect(store.outbox.unposted(10).map((e) => e.id)).toEqual([one.id, two.id]);
    store.outbox.markPosted(one.id, 7);
    store.outbox.markPosted(one.id, 8);
    expect(store.outbox.find(one.id)?.mailId).toBe(7);
    expect(store.outbox.unposted(10).map((e) => e.id)).toEqual([two.id]);
    expect(store.outbox.find(two.id)?.body).toEqual({ kind: 'respond', request: 4, decision: 'accept' });
  });

  it('applies a report only when something changed', () => {
    const store = fresh();
    const e = store.outbox.insert({ station: 'b', lane: 'w', body: { kind: 'send', mode: 'send', text: 'x' }, idempotencyKey: null, source: 'op' });
    expect(store.outbox.applyReport(e.id, { receipt: 3, state: 'accepted', turnId: 't', error: null })).toBe(true);
    expect(store.outbox.applyReport(e.id, { receipt: 3, state: 'accepted', turnId: 't', error: null })).toBe(false);
    expect(store.outbox.find(e.id)).toMatchObject({ receipt: 3, state: 'accepted', turnId: 't' });
  });

  it('keeps named cursors (none before the first write)', () => {
    const store = fresh();
    expect(store.outbox.cursor('mail_version')).toBeUndefined();
    store.outbox.setCursor('mail_version', 41);
    store.outbox.setCursor('mail_version', 42);
    expect(store.outbox.cursor('mail_version')).toBe(42);
  });

  it('an idempotency key: the same message returns the first entry; another message under it is a conflict', () => {
    const store = fresh();
    const ref = { lane: 'w', station: 'b' };
    const first = queueRemoteSend(store.outbox, ref, { kind: 'send', mode: 'send', text: 'x' }, { idempotencyKey: 'k', source: 'op' });
    expect(queueRemoteSend(store.outbox, ref, { kind: 'send', mode: 'send', text: 'x' }, { idempotencyKey: 'k', source: 'op' }).id).toBe(first.id);
    expect(() => queueRemoteSend(store.outbox, ref, { kind: 'send', mode: 'send', text: 'y' }, { idempotencyKey: 'k', source: 'op' })).toThrow(expect.objectContaining({ code: 'conflict', data: { outbox: first.id } }));
    expect(() => queueRemoteSend(store.outbox, { lane: 'w', station: 'c' }, { kind: 'send', mode: 'send', text: 'x' }, { idempotencyKey: 'k', source: 'op' })).toThrow(expect.objectContaining({ code: 'conflict' }));
  });
});
