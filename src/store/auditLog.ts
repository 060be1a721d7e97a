import type Database from 'better-sqlite3';
import type { AuditEntry } from '../core/model.js';
import type { AuditLog, Clock } from '../core/ports.js';
import { isoNow } from './rows.js';

interface AuditRow {
  id: number;
  ts: string;
  op: string;
  lane: string | null;
  trigger_id: string | null;
  detail: string | null;
  outcome: string;
}

/** Longest detail kept; the audit log is a trail, not a transcript. */
export const MAX_AUDIT_DETAIL = 500;

function clipDetail(detail: string | null | undefined): string | null {
  if (detail === null || detail === undefined) return null;
  // The ellipsis counts toward the limit so a stored detail is never longer than MAX_AUDIT_DETAIL.
  return detail.length > MAX_AUDIT_DETAIL ? `${detail.slice(0, MAX_AUDIT_DETAIL - 1)}…` : detail;
}

const entryOf = (r: AuditRow): AuditEntry => ({ id: r.id, ts: r.ts, op: r.op, lane: r.lane, triggerId: r.trigger_id, detail: r.detail, outcome: r.outcome });

/** The audit trail in the `audit_log` table, newest entries last by id. */
export class SqliteAuditLog implements AuditLog {
  private readonly clock: Clock;
  private readonly insertRow: Database.Statement<[string, string, string | null, string | null, string | null, string]>;
  private readonly latest: Database.Statement<[number], AuditRow>;
  private readonly latestForLane: Database.Statement<[string, number], AuditRow>;

  constructor(db: Database.Database, clock: Clock) {
    this.clock = clock;
    this.insertRow = db.prepare('INSERT INTO audit_log (ts, op, lane, trigger_id, detail, outcome) VALUES (?, ?, ?, ?, ?, ?)');
    this.latest = db.prepare('SELECT * FROM audit_log ORDER BY id DESC LIMIT ?');
    this.latestForLane = db.prepare('SELECT * FROM audit_log WHERE lane = ? ORDER BY id DESC LIMIT ?');
  }

  record(entry: { op: string; lane?: string | null; triggerId?: string | null; detail?: string | null; outcome?: string }): void {
    this.insertRow.run(isoNow(this.clock), entry.op, entry.lane ?? null, entry.triggerId ?? null, clipDetail(entry.detail), entry.outcome ?? 'ok');
  }

  recent(options: { limit: number; lane?: string }): AuditEntry[] {
    // SQLite reads a negative LIMIT as "no limit"; a caller asking for ≤ 0 entries means none.
    const limit = Math.max(0, Math.floor(options.limit));
    const rows = options.lane === undefined ? this.latest.all(limit) : this.latestForLane.all(options.lane, limit);
    return rows.map(entryOf);
  }
}
