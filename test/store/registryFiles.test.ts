import Database from 'better-sqlite3';
import { chmodSync, existsSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DispatchError } from '../../src/shared/errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS, openStore, type SqliteStore } from '../../src/store/index.js';
import { laneRecord, manualClock, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterAll(() => dirs.cleanup());
const opened: SqliteStore[] = [];
afterEach(() => {
  for (const store of opened.splice(0)) store.close();
});
const open = (file: string): SqliteStore => {
  const store = openStore({ path: file, clock: manualClock('2030-01-02T03:04:05.678Z') });
  opened.push(store);
  return store;
};
const mode = (file: string): number => statSync(file).mode & 0o777;

/** A registry as the previous schema version left it, with one lane in it. */
function previousVersionRegistry(file: string): number {
  const previous = LATEST_SCHEMA_VERSION - 1;
  const raw = new Database(file);
  for (const migration of MIGRATIONS.filter((m) => m.version <= previous)) raw.exec(migration.sql);
  raw.pragma(`user_version = ${previous}`);
  raw.close();
  return previous;
}

describe('registry files', () => {
  it('creates the registry and its WAL and SHM 0600, whatever the umask', () => {
    const file = path.join(dirs.make(), 'registry.db');
    const umask = process.umask(0o022);
    try {
      const store = open(file);
      store.lanes.insert(laneRecord('lane-a'));
    } finally {
      process.umask(umask);
    }
    expect([file, `${file}-wal`, `${file}-shm`].map(mode)).toEqual([0o600, 0o600, 0o600]);
  });

  it('narrows a registry an older dispatch left 0644 (and its WAL) to 0600', () => {
    const file = path.join(dirs.make(), 'registry.db');
    open(file).close();
    writeFileSync(`${file}-wal`, '');
    chmodSync(file, 0o644);
    chmodSync(`${file}-wal`, 0o644);
    open(file);
    expect([mode(file), mode(`${file}-wal`)]).toEqual([0o600, 0o600]);
  });

  it('refuses a registry path that is a symlink, and creates nothing at its target', () => {
    const dir = dirs.make();
    const target = path.join(dir, 'elsewhere.db');
    symlinkSync(target, path.join(dir, 'registry.db'));
    let error: unknown;
    try {
      open(path.join(dir, 'registry.db'));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DispatchError);
    expect((error as DispatchError).code).toBe('unsafe_home');
    expect(existsSync(target)).toBe(false);
  });
});

describe('migration backup', () => {
  it('copies an older registry to a timestamped 0600 backup holding the old schema version before migrating', () => {
    const file = path.join(dirs.make(), 'registry.db');
    const previous = previousVersionRegistry(file);
    const store = open(file);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    const backup = store.migrationBackup;
    expect(backup).toEqual({ path: `${file}.v${previous}-2030-01-02T03-04-05-678Z.bak`, fromVersion: previous, toVersion: LATEST_SCHEMA_VERSION });
    if (!backup) return;
    expect(mode(backup.path)).toBe(0o600);
    const copy = new Database(backup.path, { readonly: true });
    try {
      expect(copy.pragma('user_version', { simple: true })).toBe(previous);
    } finally {
      copy.close();
    }
  });

  it('makes no backup of a fresh registry or of one already at the latest version', () => {
    const file = path.join(dirs.make(), 'registry.db');
    expect(open(file).migrationBackup).toBeUndefined();
    opened.splice(0).forEach((s) => s.close());
    expect(open(file).migrationBackup).toBeUndefined();
  });
});
