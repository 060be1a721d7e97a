import Database from 'better-sqlite3';
import { closeSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock, type Store } from '../core/ports.js';
import { DispatchError } from '../shared/errors.js';
import { narrowToPrivate, openPrivateFile } from '../shared/privateFiles.js';
import { SqliteAuditLog } from './auditLog.js';
import { SqliteDeliveryRepository } from './deliveryRepository.js';
import { SqliteFactRepository } from './factRepository.js';
import { SqliteLaneRepository } from './laneRepository.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.js';
import { SqliteRateLimitRepository } from './rateLimitRepository.js';
import { SqliteInboxRepository } from './inboxRepository.js';
import { SqliteOutboxRepository } from './outboxRepository.js';
import { SqliteRequestRepository } from './requestRepository.js';
import { SqliteTriggerRepository } from './triggerRepository.js';
import { SqliteUsageRepository } from './usageRepository.js';

const BUSY_TIMEOUT_MS = 5000;

/** Options for `openStore`: a file path or ':memory:', and the clock timestamps come from. */
export interface OpenStoreOptions {
  path: string;
  clock?: Clock;
}

/** The copy a migration made of the registry before changing its schema. */
export interface MigrationBackup {
  path: string;
  fromVersion: number;
  toVersion: number;
}

/** The registry: one better-sqlite3 connection, the single writer of the daemon. */
export class SqliteStore implements Store {
  readonly lanes: SqliteLaneRepository;
  readonly facts: SqliteFactRepository;
  readonly audit: SqliteAuditLog;
  readonly triggers: SqliteTriggerRepository;
  readonly deliveries: SqliteDeliveryRepository;
  readonly requests: SqliteRequestRepository;
  readonly inbox: SqliteInboxRepository;
  readonly outbox: SqliteOutboxRepository;
  readonly usage: SqliteUsageRepository;
  readonly rateLimits: SqliteRateLimitRepository;
  /** Set when opening migrated an older registry: where its pre-migration copy is. */
  readonly migrationBackup: MigrationBackup | undefined;
  private readonly db: Database.Database;
  /** One entry per open transaction level (savepoints included): its afterCommit callbacks, and whether a joined write failed in it. */
  private readonly levels: Array<{ commits: Array<() => void>; doomed?: { error: unknown } }> = [];
  private readonly control: Record<'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo', Database.Statement>;

  constructor(db: Database.Database, clock: Clock, migrationBackup?: MigrationBackup) {
    this.db = db;
    this.migrationBackup = migrationBackup;
    this.lanes = new SqliteLaneRepository(db, clock);
    this.facts = new SqliteFactRepository(db);
    this.audit = new SqliteAuditLog(db, clock);
    this.triggers = new SqliteTriggerRepository(db, clock);
    this.deliveries = new SqliteDeliveryRepository(db, clock);
    this.requests = new SqliteRequestRepository(db, clock);
    this.inbox = new SqliteInboxRepository(db, clock);
    this.outbox = new SqliteOutboxRepository(db, clock);
    this.usage = new SqliteUsageRepository(db);
    this.rateLimits = new SqliteRateLimitRepository(db);
    // Prepared once: a `db.transaction(fn)` wrapper per call costs more than the statements it runs.
    this.control = {
      begin: db.prepare('BEGIN'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      // Nested savepoints may share a name: RELEASE and ROLLBACK TO act on the innermost one.
      savepoint: db.prepare('SAVEPOINT nested'),
      release: db.prepare('RELEASE nested'),
      rollbackTo: db.prepare('ROLLBACK TO nested'),
    };
  }

  transaction<T>(fn: () => T): T {
    // A transaction opened inside another is a savepoint, so nested calls join the outer one: an
    // inner throw undoes only the inner work, an outer throw undoes everything.
    const outermost = this.levels.length === 0;
    if (outermost) {
      this.control.begin.run();
    } else {
      // Lane rows the outer level changed are written first, so a rollback here keeps them.
      this.lanes.flushPending();
      this.control.savepoint.run();
    }
    const level: { commits: Array<() => void>; doomed?: { error: unknown } } = { commits: [] };
    this.levels.push(level);
    let result: T;
    try {
      result = fn();
      // A joined write that failed leaves partial work: the level cannot commit, whatever fn did after.
      if (level.doomed) throw level.doomed.error;
      if (outermost) {
        this.lanes.flushPending();
        this.control.commit.run();
      } else {
        this.control.release.run();
      }
    } catch (error) {
      this.levels.pop();
      this.undo(outermost);
      throw error;
    }
    this.levels.pop();
    if (outermost) this.lanes.forgetPending();
    const outer = this.levels.at(-1);
    // A savepoint's callbacks wait for the outer commit; a rolled-back level's are dropped.
    if (outer) outer.commits.push(...level.commits);
    else runAll(level.commits);
    return result;
  }

  /**
   * Runs fn as part of the open transaction without a savepoint of its own (in a new transaction
   * when none is open). A throw from fn dooms the enclosing level: it rolls back when it ends,
   * even if its caller catches the error, so fn's partial writes never commit.
   */
  join<T>(fn: () => T): T {
    const level = this.levels.at(-1);
    if (!level) return this.transaction(fn);
    try {
      return fn();
    } catch (error) {
      level.doomed ??= { error };
      throw error;
    }
  }

  private undo(outermost: boolean): void {
    // SQLite may have rolled the whole transaction back itself (a full disk, an interrupt).
    if (this.db.inTransaction) {
      if (outermost) {
        this.control.rollback.run();
      } else {
        this.control.rollbackTo.run();
        this.control.release.run();
      }
    }
    // Cached lane rows may hold what was just undone: they are read again from the table.
    this.lanes.forgetPending();
  }

  afterCommit(fn: () => void): void {
    const level = this.levels.at(-1);
    if (level) level.commits.push(fn);
    else fn();
  }

  schemaVersion(): number {
    return userVersion(this.db);
  }

  /** Runs `PRAGMA quick_check`: ok, or the first problem SQLite reports (or the error it threw). */
  integrity(): { ok: boolean; detail: string } {
    try {
      const rows = this.db.pragma('quick_check') as Array<Record<string, unknown>>;
      // SQLite packs several problems into one row, after a "*** in database main ***" header
      // line; doctor prints one line, so keep the first actual problem.
      const problems = rows
        .flatMap((row) => String(Object.values(row)[0]).split('\n'))
        .map((line) => line.trim())
        .filter((line) => line.length > 0 && !line.startsWith('*** in database'));
      const detail = problems[0] ?? 'ok';
      return { ok: detail === 'ok', detail };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error) };
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Runs every callback of a committed transaction even when one throws (each is owed its run: a
 * failing subscriber must not cost the others the rest of the facts), then throws the first error.
 */
function runAll(callbacks: ReadonlyArray<() => void>): void {
  let failure: { error: unknown } | undefined;
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}

/** 'ok' when the registry passes `PRAGMA quick_check`, otherwise the first problem found. */
export function quickCheck(store: SqliteStore): string {
  return store.integrity().detail;
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function refuseNewer(version: number): DispatchError {
  return new DispatchError('internal', `registry schema version ${version} is newer than this dispatch (${LATEST_SCHEMA_VERSION}); upgrade dispatch`);
}

/**
 * Copies the registry (0600, consistent: VACUUM INTO reads one snapshot) next to it before a
 * migration changes the schema, so an upgrade that goes wrong loses nothing.
 */
function backupBeforeMigration(db: Database.Database, dbPath: string, clock: Clock): MigrationBackup | undefined {
  const fromVersion = userVersion(db);
  const pending = MIGRATIONS.some((m) => m.version > fromVersion);
  if (fromVersion === 0 || !pending) return undefined; // a fresh registry has nothing to lose
  const stamp = clock.now().toISOString().replace(/[:.]/g, '-');
  const backup = `${dbPath}.v${fromVersion}-${stamp}.bak`;
  closeSync(openPrivateFile(backup, 'truncate')); // VACUUM INTO keeps an existing empty file's mode
  db.prepare('VACUUM INTO ?').run(backup);
  return { path: backup, fromVersion, toVersion: LATEST_SCHEMA_VERSION };
}

function migrate(db: Database.Database): void {
  for (const migration of MIGRATIONS) {
    // IMMEDIATE takes the write lock before reading the version, so two processes opening a fresh
    // registry at once cannot both run the same migration; the loser sees it applied and skips.
    db.transaction(() => {
      const current = userVersion(db);
      if (current > LATEST_SCHEMA_VERSION) throw refuseNewer(current);
      if (migration.version <= current) return;
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }).immediate();
  }
}

/** The registry and its WAL/SHM hold every message: 0600, never opened through a symlink. */
function makeRegistryPrivate(dbPath: string): void {
  closeSync(openPrivateFile(dbPath, 'append'));
  // SQLite gives -wal and -shm the database file's mode; ones left by an older dispatch are narrowed.
  narrowToPrivate(`${dbPath}-wal`);
  narrowToPrivate(`${dbPath}-shm`);
}

/** Opens the registry at `path` (or ':memory:'), creating and migrating it as needed. */
export function openStore(options: OpenStoreOptions): SqliteStore {
  const memory = options.path === ':memory:';
  const clock = options.clock ?? systemClock;
  if (!memory) {
    mkdirSync(path.dirname(options.path), { recursive: true, mode: 0o700 });
    makeRegistryPrivate(options.path);
  }
  const db = new Database(options.path, { timeout: BUSY_TIMEOUT_MS });
  let backup: MigrationBackup | undefined;
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Check the version before any pragma that writes (journal_mode = WAL rewrites the header):
    // a registry from a newer dispatch must be left exactly as it was found.
    const found = userVersion(db);
    if (found > LATEST_SCHEMA_VERSION) throw refuseNewer(found);
    if (!memory) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // foreign_keys is a no-op inside a transaction, so it goes before the migrations open one.
    db.pragma('foreign_keys = ON');
    if (!memory) backup = backupBeforeMigration(db, options.path, clock);
    migrate(db);
    if (!memory) makeRegistryPrivate(options.path);
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStore(db, clock, backup);
}
