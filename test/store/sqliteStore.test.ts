import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { NewDelivery } from '../../src/core/ports.js';
import { DispatchError } from '../../src/shared/errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openStore, quickCheck, type SqliteStore } from '../../src/store/index.js';
import { laneRecord, manualClock, tempDirs } from './helpers.js';
import { runStoreSuite } from './storeSuite.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

/** Stores opened by a test, closed after it even when it fails. */
const opened: SqliteStore[] = [];
function track(store: SqliteStore): SqliteStore {
  opened.push(store);
  return store;
}
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});

function delivery(lane: string): NewDelivery {
  return { lane, mode: 'queue', source: 'op', text: 'hi', clientMessageId: `client-${lane}`, state: 'queued' };
}

function tempDb(name = 'registry.db'): string {
  return path.join(dirs.make(), name);
}

/** The raw journal mode byte pair of a database header (1/1 rollback journal, 2/2 WAL). */
function headerJournalBytes(file: string): [number | undefined, number | undefined] {
  const header = readFileSync(file).subarray(0, 100);
  return [header[18], header[19]];
}

describe('Store conformance: :memory:', () => {
  runStoreSuite((clock) => openStore({ path: ':memory:', clock }));
});

describe('Store conformance: file', () => {
  runStoreSuite((clock) => openStore({ path: tempDb(), clock }));
});

describe('migrations', () => {
  it('are numbered in increasing order from 1, with names and SQL', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    // Numbers are handed out per change ahead of their merge, so a branch may skip some until they land.
    expect(versions[0]).toBe(1);
    expect(versions.every((v, i) => i === 0 || v > (versions[i - 1] ?? Infinity))).toBe(true);
    for (const migration of MIGRATIONS) {
      expect(migration.name.length).toBeGreaterThan(0);
      expect(migration.sql.trim().length).toBeGreaterThan(0);
    }
    expect(LATEST_SCHEMA_VERSION).toBe(versions.at(-1));
  });

  it('bring a new registry to the newest version', () => {
    const store = track(openStore({ path: ':memory:' }));
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    const file = tempDb();
    const onDisk = track(openStore({ path: file }));
    expect(onDisk.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
  });

  it('create the parent directory of a new registry', () => {
    const file = path.join(dirs.make(), 'nested', 'deeper', 'registry.db');
    track(openStore({ path: file }));
    expect(existsSync(file)).toBe(true);
  });

  it('keep data and version across close and reopen', () => {
    const file = tempDb();
    const clock = manualClock();
    const first = openStore({ path: file, clock });
    const lane = first.lanes.insert(laneRecord('keep', { settings: { sandbox: 'read-only', approvalPolicy: 'untrusted', model: 'm' }, ephemeral: true }));
    const updated = first.lanes.update(lane.id, { latestTurn: { id: 't', status: 'completed', error: null, at: clock.iso() } });
    const receipt = first.deliveries.insert({ lane: 'keep', mode: 'queue', source: 'op', text: 'queued', idempotencyKey: 'k-1', clientMessageId: 'c-1', state: 'queued' });
    const trigger = first.triggers.insert({
      id: 'trg',
      name: 'nudge',
      lane: '@keep',
      when: { kind: 'idle_for', seconds: 30 },
      action: { kind: 'context', text: 'fyi' },
      guard: { idleOnly: true, minIntervalSeconds: 10, dedupe: false, once: false },
      enabled: true,
    });
    first.audit.record({ op: 'open', lane: 'keep', detail: 'hello' });
    const audit = first.audit.recent({ limit: 10 });
    first.close();

    const second = track(openStore({ path: file, clock }));
    expect(second.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(second.lanes.find('keep')).toEqual(updated);
    expect(second.deliveries.find(receipt.id)).toEqual(receipt);
    expect(second.deliveries.findByKey('k-1')).toEqual(receipt);
    expect(second.triggers.find('trg')).toEqual(trigger);
    expect(second.audit.recent({ limit: 10 })).toEqual(audit);
  });

  it('turn a version 1 message queue into delivery receipts with the same ids', () => {
    const file = tempDb();
    const raw = new Database(file);
    const first = MIGRATIONS[0];
    if (!first) throw new Error('no migration 1');
    raw.exec(first.sql);
    raw.pragma('user_version = 1');
    const insert = raw.prepare("INSERT INTO queued_messages (lane, text, status, created_at, updated_at, error) VALUES (?, ?, ?, '2029-01-01T00:00:00.000Z', '2029-01-01T00:00:01.000Z', ?)");
    for (const [status, error] of [['pending', null], ['sending', null], ['sent', null], ['error', 'lane_busy'], ['cancelled', null], ['pending', null]] as const) {
      insert.run('lane-a', `text ${status}`, status, error);
    }
    // Row 6 is deleted, as a pruned queue would: receipt 6 must still never be handed out.
    raw.prepare('DELETE FROM queued_messages WHERE id = 6').run();
    raw.close();

    const store = track(openStore({ path: file, clock: manualClock() }));
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    const receipts = store.deliveries.list({});
    expect(receipts.map((d) => [d.id, d.state, d.text, d.error])).toEqual([
      [1, 'queued', 'text pending', null],
      [2, 'ambiguous', 'text sending', null],
      [3, 'completed', 'text sent', null],
      [4, 'failed', 'text error', 'lane_busy'],
      [5, 'cancelled', 'text cancelled', null],
    ]);
    for (const receipt of receipts) {
      expect(receipt).toMatchObject({ lane: 'lane-a', mode: 'queue', source: 'op', idempotencyKey: null, turnId: null, createdAt: '2029-01-01T00:00:00.000Z', updatedAt: '2029-01-01T00:00:01.000Z' });
      expect(receipt.clientMessageId).toMatch(/^[0-9a-f]{32}$/);
    }
    expect(new Set(receipts.map((d) => d.clientMessageId)).size).toBe(receipts.length);
    expect(store.deliveries.find(2)?.note).toMatch(/not re-sent/);
    expect(store.deliveries.blocking('lane-a')?.id).toBe(2);
    expect(store.deliveries.insert(delivery('lane-a')).id).toBe(7);
    store.close();

    const check = new Database(file, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_schema WHERE name = 'queued_messages'").all()).toEqual([]);
    check.close();
  });

  it('refuse a registry from a newer dispatch and leave the file untouched', () => {
    const dir = dirs.make();
    const file = path.join(dir, 'future.db');
    const raw = new Database(file);
    raw.exec("CREATE TABLE from_the_future (x TEXT); INSERT INTO from_the_future VALUES ('keep me');");
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    raw.close();
    const before = readFileSync(file);
    const mtime = statSync(file).mtimeMs;
    const entries = readdirSync(dir).sort();

    let thrown: unknown;
    try {
      openStore({ path: file });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DispatchError);
    expect((thrown as DispatchError).code).toBe('internal');
    expect((thrown as DispatchError).message).toBe(
      `registry schema version ${LATEST_SCHEMA_VERSION + 1} is newer than this dispatch (${LATEST_SCHEMA_VERSION}); upgrade dispatch`,
    );

    expect(readFileSync(file).equals(before)).toBe(true);
    expect(statSync(file).mtimeMs).toBe(mtime);
    expect(readdirSync(dir).sort()).toEqual(entries);
    // Still a rollback-journal file: the refusal came before `journal_mode = WAL`.
    expect(headerJournalBytes(file)).toEqual([1, 1]);
  });

  it('refuse a newer registry that an older dispatch had already put in WAL mode, leaving it intact', () => {
    const dir = dirs.make();
    const file = path.join(dir, 'registry.db');
    const store = openStore({ path: file });
    store.lanes.insert(laneRecord('old'));
    store.close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 7}`);
    raw.close();
    const before = readFileSync(file);

    expect(() => openStore({ path: file })).toThrow(`registry schema version ${LATEST_SCHEMA_VERSION + 7} is newer than this dispatch`);
    expect(readFileSync(file).equals(before)).toBe(true);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 7);
    expect(check.prepare('SELECT id FROM lanes').pluck().all()).toEqual(['old']);
    check.close();
  });
});

describe('file registry', () => {
  it('runs in WAL mode with the file header saying so', () => {
    const file = tempDb();
    const store = track(openStore({ path: file }));
    store.lanes.insert(laneRecord('a'));
    const raw = new Database(file);
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    raw.close();
    expect(headerJournalBytes(file)).toEqual([2, 2]);
  });

  it('never reuses AUTOINCREMENT ids after the newest rows are deleted', () => {
    const file = tempDb();
    const store = track(openStore({ path: file }));
    store.deliveries.insert(delivery('a'));
    const last = store.deliveries.insert(delivery('a'));
    store.audit.record({ op: 'one' });
    store.audit.record({ op: 'two' });
    const lastAudit = store.audit.recent({ limit: 1 })[0]?.id ?? 0;

    // Nothing in the ports deletes these rows; a second connection does, as a pruning job would.
    const raw = new Database(file);
    raw.prepare('DELETE FROM deliveries WHERE id = ?').run(last.id);
    raw.prepare('DELETE FROM audit_log WHERE id = ?').run(lastAudit);
    raw.close();

    expect(store.deliveries.find(last.id)).toBeUndefined();
    expect(store.deliveries.insert(delivery('a')).id).toBe(last.id + 1);
    store.audit.record({ op: 'three' });
    expect(store.audit.recent({ limit: 1 })[0]?.id).toBe(lastAudit + 1);
  });

  it('takes timestamps verbatim from the injected clock', () => {
    const clock = manualClock('1999-12-31T23:59:59.999Z');
    const store = track(openStore({ path: tempDb(), clock }));
    expect(store.lanes.insert(laneRecord('y2k')).createdAt).toBe('1999-12-31T23:59:59.999Z');
    clock.set('2000-01-01T00:00:00.000Z');
    expect(store.lanes.update('y2k', {}).updatedAt).toBe('2000-01-01T00:00:00.000Z');
    expect(store.deliveries.insert(delivery('y2k')).createdAt).toBe('2000-01-01T00:00:00.000Z');
    store.audit.record({ op: 'o' });
    expect(store.audit.recent({ limit: 1 })[0]?.ts).toBe('2000-01-01T00:00:00.000Z');
  });

  it('closes idempotently', () => {
    const store = openStore({ path: tempDb() });
    store.close();
    expect(() => store.close()).not.toThrow();
  });
});

describe('integrity', () => {
  it('reports ok for a healthy registry', () => {
    const store = track(openStore({ path: tempDb() }));
    expect(store.integrity()).toEqual({ ok: true, detail: 'ok' });
    expect(quickCheck(store)).toBe('ok');
  });

  it('reports the first problem of a damaged registry', () => {
    const file = tempDb();
    const store = openStore({ path: file });
    store.transaction(() => {
      for (let i = 0; i < 200; i++) store.lanes.insert(laneRecord(`lane-${i}`, { cwd: `/work/${'x'.repeat(200)}/${i}` }));
    });
    store.close();
    const raw = new Database(file, { readonly: true });
    const pageSize = raw.pragma('page_size', { simple: true }) as number;
    const root = raw.prepare<[], number>("SELECT rootpage FROM sqlite_schema WHERE name = 'lanes'").pluck().get() ?? 0;
    raw.close();
    // Scribble over the lanes table's root page (never page 1, which holds the schema).
    expect(root).toBeGreaterThan(1);
    const bytes = readFileSync(file);
    bytes.fill(0xa5, (root - 1) * pageSize, root * pageSize);
    writeFileSync(file, bytes);

    const damaged = track(openStore({ path: file }));
    const result = damaged.integrity();
    expect(result.ok).toBe(false);
    expect(result.detail).not.toBe('ok');
    // One line naming the damage (a quick_check row, or the error SQLite threw reading the page),
    // not SQLite's multi-line report with its header.
    expect(result.detail.length).toBeGreaterThan(0);
    expect(result.detail).not.toContain('\n');
    expect(result.detail.startsWith('***')).toBe(false);
    expect(quickCheck(damaged)).toBe(result.detail);
  });
});

describe('two connections on one file', () => {
  it('see each other’s committed writes', () => {
    const file = tempDb();
    const a = track(openStore({ path: file }));
    const b = track(openStore({ path: file }));
    a.lanes.insert(laneRecord('shared'));
    expect(b.lanes.find('shared')?.handle).toBe('@shared');
    b.lanes.update('shared', { status: 'busy' });
    expect(a.lanes.find('shared')?.status).toBe('busy');
    const { id } = b.deliveries.insert(delivery('shared'));
    expect(a.deliveries.countByState('shared')).toEqual({ queued: 1 });
    expect(a.deliveries.find(id)?.lane).toBe('shared');
  });

  it('let a reader run while the other connection is mid-transaction (WAL), seeing only committed data', () => {
    const file = tempDb();
    const writer = track(openStore({ path: file }));
    const reader = track(openStore({ path: file }));
    writer.lanes.insert(laneRecord('before'));
    writer.transaction(() => {
      writer.lanes.insert(laneRecord('during'));
      expect(reader.lanes.list().map((l) => l.id)).toEqual(['before']);
    });
    expect(reader.lanes.list().map((l) => l.id)).toEqual(['before', 'during']);
  });

  it('let exactly one connection reserve a queued delivery', () => {
    const file = tempDb();
    const a = track(openStore({ path: file }));
    const b = track(openStore({ path: file }));
    const { id } = a.deliveries.insert(delivery('lane'));
    expect([a.deliveries.transition(id, ['queued'], 'submitting'), b.deliveries.transition(id, ['queued'], 'submitting')]).toEqual([true, false]);
    expect(b.deliveries.find(id)?.state).toBe('submitting');
  });

  it('wait out another connection’s write lock instead of failing (busy_timeout)', async () => {
    const file = tempDb();
    const store = track(openStore({ path: file }));
    store.audit.record({ op: 'setup' });
    const holdMs = 300;
    // A worker thread holds the write lock while this thread writes; without a busy timeout the
    // write below would fail at once with SQLITE_BUSY.
    const worker = new Worker(
      `
        const { parentPort, workerData } = require('node:worker_threads');
        const Database = require(workerData.module);
        const db = new Database(workerData.file);
        db.exec('BEGIN IMMEDIATE');
        db.prepare("INSERT INTO audit_log (ts, op) VALUES ('2030-01-01T00:00:00.000Z', 'worker')").run();
        parentPort.postMessage('locked');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, workerData.holdMs);
        db.exec('COMMIT');
        db.close();
      `,
      { eval: true, workerData: { module: createRequire(import.meta.url).resolve('better-sqlite3'), file, holdMs } },
    );
    const exited = new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('exit', resolve);
    });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
    const started = performance.now();
    store.audit.record({ op: 'main' });
    const waited = performance.now() - started;
    expect(await exited).toBe(0);

    expect(waited).toBeGreaterThan(holdMs / 3);
    expect(store.audit.recent({ limit: 3 }).map((e) => e.op)).toEqual(['main', 'worker', 'setup']);
  });
});
