import type Database from 'better-sqlite3';
import type { DeliveryState, Lane, LaneState, LaneWorktree, LatestTurn, TurnSettings } from '../core/model.js';
import type { Clock, LanePatch, LaneRepository, NewLaneRecord } from '../core/ports.js';
import { DispatchError } from '../shared/errors.js';
import { fromFlag, isoNow, isPrimaryKeyViolation, isUniqueViolation, parseJson, toFlag, toJson } from './rows.js';

interface LaneRow {
  id: string;
  handle: string;
  source: Lane['source'];
  cwd: string | null;
  status: Lane['status'];
  attention: Lane['attention'];
  active_turn_id: string | null;
  settings: string;
  ephemeral: number;
  latest_turn: string | null;
  last_agent_message: string | null;
  created_at: string;
  updated_at: string;
  last_event_at: string | null;
  worktree: string | null;
}

function laneOf(row: LaneRow): Lane {
  return {
    id: row.id,
    handle: row.handle,
    source: row.source,
    cwd: row.cwd,
    status: row.status,
    attention: row.attention,
    activeTurnId: row.active_turn_id,
    settings: JSON.parse(row.settings) as TurnSettings,
    ephemeral: fromFlag(row.ephemeral),
    latestTurn: parseJson<LatestTurn>(row.latest_turn),
    lastAgentMessage: row.last_agent_message,
    worktree: parseJson<LaneWorktree>(row.worktree),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastEventAt: row.last_event_at,
  };
}

type PatchKey = keyof LanePatch;

/** The column behind each patchable field; `satisfies` makes a new LanePatch key a compile error here. */
const PATCH_COLUMNS = {
  handle: 'handle',
  status: 'status',
  attention: 'attention',
  activeTurnId: 'active_turn_id',
  latestTurn: 'latest_turn',
  lastAgentMessage: 'last_agent_message',
  lastEventAt: 'last_event_at',
  cwd: 'cwd',
  worktree: 'worktree',
} as const satisfies Record<PatchKey, string>;

const PATCH_KEYS = Object.keys(PATCH_COLUMNS) as PatchKey[];

function encodePatchValue(key: PatchKey, patch: LanePatch): string | null {
  if (key === 'latestTurn') return toJson(patch.latestTurn);
  if (key === 'worktree') return toJson(patch.worktree);
  return patch[key] ?? null;
}

function handleTaken(handle: string, cause: unknown): DispatchError {
  return new DispatchError('conflict', `lane handle '${handle}' is already taken`, { cause });
}

/** Lanes in the `lanes` table; handles are unique (case-sensitive) and enforced by an index. */
export class SqliteLaneRepository implements LaneRepository {
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly byId: Database.Statement<[string], LaneRow>;
  private readonly byHandle: Database.Statement<[string], LaneRow>;
  private readonly all: Database.Statement<[], LaneRow>;
  private readonly active: Database.Statement<[], LaneRow>;
  /** countBusy's statement per pair of state lists (fixed vocabularies, so a handful at most). */
  private readonly busy = new Map<string, Database.Statement<[], { n: number }>>();
  private readonly insertRow: Database.Statement<[Record<string, string | number | null>]>;
  /** One UPDATE per set of patched columns, prepared the first time that set is seen (at most 2^9). */
  private readonly updates = new Map<string, Database.Statement<[Record<string, string | null>]>>();
  private readonly writeRow: Database.Statement<[Record<string, string | null>]>;
  /**
   * Lanes as the open transaction left them, valid inside that transaction only: a lane read or
   * changed many times in one transaction (a batch of codex events) is read once and written once,
   * before the commit (or before a savepoint opens, or anything reads the table with SQL).
   */
  private readonly cached = new Map<string, Lane>();
  private readonly dirty = new Set<string>();
  /** The open transaction's time for updated_at: one instant for all its changes, read once. */
  private transactionNow: string | undefined;

  constructor(db: Database.Database, clock: Clock) {
    this.db = db;
    this.clock = clock;
    this.byId = db.prepare('SELECT * FROM lanes WHERE id = ?');
    this.byHandle = db.prepare('SELECT * FROM lanes WHERE handle = ? ORDER BY created_at, rowid');
    this.all = db.prepare('SELECT * FROM lanes ORDER BY created_at, rowid');
    this.active = db.prepare("SELECT * FROM lanes WHERE status != 'archived' ORDER BY created_at, rowid");
    this.insertRow = db.prepare(
      `INSERT INTO lanes (id, handle, source, cwd, status, attention, settings, ephemeral, worktree, created_at, updated_at)
       VALUES (@id, @handle, @source, @cwd, @status, @attention, @settings, @ephemeral, @worktree, @now, @now)`,
    );
    const columns = [...PATCH_KEYS.map((key) => `${PATCH_COLUMNS[key]} = @${key}`), 'updated_at = @updatedAt'];
    this.writeRow = db.prepare(`UPDATE lanes SET ${columns.join(', ')} WHERE id = @id`);
  }

  insert(record: NewLaneRecord): Lane {
    try {
      this.insertRow.run({
        id: record.id,
        handle: record.handle,
        source: record.source,
        cwd: record.cwd,
        status: record.status,
        attention: record.attention ?? 'idle',
        settings: JSON.stringify(record.settings),
        ephemeral: toFlag(record.ephemeral),
        worktree: toJson(record.worktree ?? null),
        now: isoNow(this.clock),
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw handleTaken(record.handle, error);
      if (isPrimaryKeyViolation(error)) throw new DispatchError('conflict', `lane '${record.id}' is already registered`, { cause: error });
      throw error;
    }
    return this.get(record.id);
  }

  find(id: string): Lane | undefined {
    const hit = this.cached.get(id);
    if (hit) return hit;
    const row = this.byId.get(id);
    if (!row) return undefined;
    const lane = laneOf(row);
    if (this.db.inTransaction) this.cached.set(id, lane);
    return lane;
  }

  findByHandle(handle: string): Lane[] {
    this.flushPending();
    return this.byHandle.all(handle).map(laneOf);
  }

  list(options: { includeArchived?: boolean } = {}): Lane[] {
    this.flushPending();
    return (options.includeArchived ? this.all : this.active).all().map(laneOf);
  }

  countBusy(statuses: readonly LaneState[], receiptStates: readonly DeliveryState[]): number {
    this.flushPending();
    const key = `${statuses.join(',')}|${receiptStates.join(',')}`;
    let statement = this.busy.get(key);
    if (!statement) {
      // Literal lists: this runs on every admitted send, and json_each costs more than the count (bench/admission.ts).
      const list = (values: readonly string[]): string => values.map((v) => `'${v.replaceAll("'", "''")}'`).join(', ');
      const running = `SELECT id FROM lanes WHERE status IN (${list(statuses)})`;
      statement = this.db.prepare(
        `SELECT (SELECT count(*) FROM lanes WHERE status IN (${list(statuses)}))
              + (SELECT count(DISTINCT lane) FROM deliveries WHERE state IN (${list(receiptStates)}) AND lane NOT IN (${running})) AS n`,
      );
      this.busy.set(key, statement);
    }
    return statement.get()?.n ?? 0;
  }

  /**
   * Writes only the keys present in `patch`: a key set to null clears the column, an absent key
   * (or one explicitly undefined, as spreads produce) leaves it alone. Always bumps updated_at.
   */
  update(id: string, patch: LanePatch): Lane {
    // Only known keys count, so a caller passing a wider object (a whole Lane) cannot reach other columns.
    const keys = PATCH_KEYS.filter((key) => Object.hasOwn(patch, key) && patch[key] !== undefined);
    const before = this.find(id);
    if (!before) throw new DispatchError('not_found', `no lane '${id}'`);
    const updatedAt = this.db.inTransaction ? (this.transactionNow ??= isoNow(this.clock)) : isoNow(this.clock);
    const after: Lane = { ...before, updatedAt };
    for (const key of keys) (after as Record<PatchKey, unknown>)[key] = patch[key];
    // Inside a transaction the row is written before the commit; a new handle is written at once,
    // so a taken one fails here, at the caller, and not at the commit.
    if (this.db.inTransaction && patch.handle === undefined) {
      this.cached.set(id, after);
      this.dirty.add(id);
      return after;
    }
    const params: Record<string, string | null> = { id, updatedAt };
    for (const key of keys) params[key] = encodePatchValue(key, patch);
    try {
      if (this.updateFor(keys).run(params).changes === 0) throw new DispatchError('not_found', `no lane '${id}'`);
    } catch (error) {
      if (isUniqueViolation(error)) throw handleTaken(String(patch.handle), error);
      throw error;
    }
    if (this.db.inTransaction) this.cached.set(id, after);
    return after;
  }

  /** Writes the lanes changed in the open transaction to the table (the store calls it before committing). */
  flushPending(): void {
    for (const id of this.dirty) {
      const lane = this.cached.get(id);
      if (!lane) continue;
      const params: Record<string, string | null> = { id, updatedAt: lane.updatedAt };
      for (const key of PATCH_KEYS) params[key] = encodePatchValue(key, lane);
      this.writeRow.run(params);
    }
    this.dirty.clear();
  }

  /** Drops what the transaction cached (it ended, or rolled back): the table is read again. */
  forgetPending(): void {
    this.cached.clear();
    this.dirty.clear();
    this.transactionNow = undefined;
  }

  private updateFor(keys: PatchKey[]): Database.Statement<[Record<string, string | null>]> {
    const signature = keys.join(',');
    let statement = this.updates.get(signature);
    if (!statement) {
      const sets = [...keys.map((key) => `${PATCH_COLUMNS[key]} = @${key}`), 'updated_at = @updatedAt'];
      statement = this.db.prepare<[Record<string, string | null>]>(`UPDATE lanes SET ${sets.join(', ')} WHERE id = @id`);
      this.updates.set(signature, statement);
    }
    return statement;
  }

  private get(id: string): Lane {
    const lane = this.find(id);
    if (!lane) throw new DispatchError('not_found', `no lane '${id}'`);
    return lane;
  }
}
