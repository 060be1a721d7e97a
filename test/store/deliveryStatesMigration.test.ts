import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DELIVERY_STATES } from '../../src/core/model.js';
import { MIGRATIONS, openStore } from '../../src/store/index.js';
import { manualClock, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** A registry as dispatch left it at schema version 8, with receipts 1..3 of which the newest (4) was deleted. */
function registryAtVersion8(): string {
  const file = path.join(dirs.make(), 'registry.db');
  const raw = new Database(file);
  for (const migration of MIGRATIONS.filter((m) => m.version <= 8)) raw.exec(migration.sql);
  raw.pragma('user_version = 8');
  const insert = raw.prepare(
    `INSERT INTO deliveries (id, lane, mode, source, text, idempotency_key, client_message_id, state, turn_id, error, note, created_at, updated_at)
     VALUES (?, 'lane-1', 'queue', 'op', ?, ?, ?, ?, ?, ?, NULL, '2029-01-01T00:00:00.000Z', '2029-01-01T00:00:00.000Z')`,
  );
  insert.run(1, 'one', 'key-1', 'cid-1', 'completed', 'turn-1', null);
  insert.run(2, 'two', null, 'cid-2', 'failed', 'turn-2', 'dispatchd stopped during the turn');
  insert.run(3, 'three', null, 'cid-3', 'queued', null, null);
  insert.run(4, 'four', null, 'cid-4', 'queued', null, null);
  raw.prepare('DELETE FROM deliveries WHERE id = 4').run();
  raw.close();
  return file;
}

describe('migration 9: receipts can be interrupted', () => {
  it('keeps every receipt, its id and the id high-water mark, and accepts every state of DELIVERY_STATES', () => {
    const store = openStore({ path: registryAtVersion8(), clock: manualClock() });
    try {
      expect(store.deliveries.list({}).map((d) => [d.id, d.text, d.state, d.turnId, d.error, d.idempotencyKey])).toEqual([
        [1, 'one', 'completed', 'turn-1', null, 'key-1'],
        [2, 'two', 'failed', 'turn-2', 'dispatchd stopped during the turn', null],
        [3, 'three', 'queued', null, null, null],
      ]);
      expect(store.deliveries.findByKey('key-1')?.id).toBe(1);
      expect(store.deliveries.transition(2, ['failed'], 'interrupted')).toBe(true);
      expect(store.deliveries.find(2)?.state).toBe('interrupted');
      // A receipt number is never reused, even one whose row is gone.
      const next = store.deliveries.insert({ lane: 'lane-1', mode: 'queue', source: 'op', text: 'five', clientMessageId: 'cid-5', state: 'queued' });
      expect(next.id).toBe(5);
      for (const state of DELIVERY_STATES) expect(store.deliveries.transition(next.id, [store.deliveries.find(next.id)?.state ?? 'queued'], state)).toBe(true);
    } finally {
      store.close();
    }
  });
});
