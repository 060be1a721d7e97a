import type Database from 'better-sqlite3';
import type { MailBody, OutboxEntry } from '../core/fleet.js';
import type { NewOutboxEntry, OutboxReport, OutboxRepository } from '../core/fleetOutbox.js';
import type { DeliveryState } from '../core/model.js';
import type { Clock } from '../core/ports.js';
import { DispatchError } from '../shared/errors.js';
import { isoNow, isUniqueViolation } from './rows.js';

interface OutboxRow {
  id: number;
  station: string;
  lane: string;
  body: string;
  idempotency_key: string | null;
  source: string;
  mail_id: number | null;
  receipt: number | null;
  state: string;
  turn_id: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

const entryOf = (r: OutboxRow): OutboxEntry => ({
  id: r.id,
  station: r.station,
  lane: r.lane,
  body: JSON.parse(r.body) as MailBody,
  idempotencyKey: r.idempotency_key,
  source: r.source,
  mailId: r.mail_id,
  receipt: r.receipt,
  state: r.state as DeliveryState,
  turnId: r.turn_id,
  error: r.error,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The fleet outbox in `fleet_outbox`, the fleet loops' cursors in `fleet_cursors`, the last lease in `fleet_leases`. */
export class SqliteOutboxRepository implements OutboxRepository {
  private readonly clock: Clock;
  private readonly insertRow: Database.Statement;
  private readonly byId: Database.Statement<[number], OutboxRow>;
  private readonly byKey: Database.Statement<[string], OutboxRow>;
  private readonly unpostedRows: Database.Statement<[number], OutboxRow>;
  private readonly posted: Database.Statement<[number, string, number]>;
  private readonly reported: Database.Statement;
  private readonly cursorRow: Database.Statement<[string], { value: number }>;
  private readonly cursorSet: Database.Statement<[string, number]>;
  private readonly leaseRow: Database.Statement<[string], { instance_id: string }>;
  private readonly leaseSet: Database.Statement<[string, string]>;

  constructor(db: Database.Database, clock: Clock) {
    this.clock = clock;
    this.insertRow = db.prepare(
      `INSERT INTO fleet_outbox (station, lane, body, idempotency_key, source, state, created_at, updated_at)
       VALUES (@station, @lane, @body, @idempotencyKey, @source, 'queued', @now, @now)`,
    );
    this.byId = db.prepare('SELECT * FROM fleet_outbox WHERE id = ?');
    this.byKey = db.prepare('SELECT * FROM fleet_outbox WHERE idempotency_key = ?');
    this.unpostedRows = db.prepare('SELECT * FROM fleet_outbox WHERE mail_id IS NULL ORDER BY id LIMIT ?');
    this.posted = db.prepare('UPDATE fleet_outbox SET mail_id = ?, updated_at = ? WHERE id = ? AND mail_id IS NULL');
    this.reported = db.prepare(
      `UPDATE fleet_outbox SET receipt = @receipt, state = @state, turn_id = @turnId, error = @error, updated_at = @now
       WHERE id = @id AND (receipt IS NOT @receipt OR state IS NOT @state OR turn_id IS NOT @turnId OR error IS NOT @error)`,
    );
    this.cursorRow = db.prepare('SELECT value FROM fleet_cursors WHERE name = ?');
    this.cursorSet = db.prepare('INSERT INTO fleet_cursors (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value');
    this.leaseRow = db.prepare('SELECT instance_id FROM fleet_leases WHERE station = ?');
    this.leaseSet = db.prepare('INSERT INTO fleet_leases (station, instance_id) VALUES (?, ?) ON CONFLICT (station) DO UPDATE SET instance_id = excluded.instance_id');
  }

  insert(entry: NewOutboxEntry): OutboxEntry {
    let id: number;
    try {
      id = Number(this.insertRow.run({ ...entry, body: JSON.stringify(entry.body), now: isoNow(this.clock) }).lastInsertRowid);
    } catch (error) {
      if (isUniqueViolation(error) && entry.idempotencyKey !== null) {
        const existing = this.findByKey(entry.idempotencyKey);
        throw new DispatchError('conflict', `idempotency key '${entry.idempotencyKey}' is already used by outbox entry m${existing?.id ?? '?'}`, { data: { outbox: existing?.id ?? null } });
      }
      throw error;
    }
    const found = this.find(id);
    if (!found) throw new DispatchError('internal', `outbox entry ${id} vanished after insert`);
    return found;
  }

  find(id: number): OutboxEntry | undefined {
    const row = this.byId.get(id);
    return row ? entryOf(row) : undefined;
  }

  findByKey(idempotencyKey: string): OutboxEntry | undefined {
    const row = this.byKey.get(idempotencyKey);
    return row ? entryOf(row) : undefined;
  }

  unposted(limit: number): OutboxEntry[] {
    return this.unpostedRows.all(limit).map(entryOf);
  }

  markPosted(id: number, mailId: number): void {
    this.posted.run(mailId, isoNow(this.clock), id);
  }

  applyReport(id: number, report: OutboxReport): boolean {
    return this.reported.run({ id, ...report, now: isoNow(this.clock) }).changes === 1;
  }

  cursor(name: string): number | undefined {
    return this.cursorRow.get(name)?.value;
  }

  setCursor(name: string, value: number): void {
    this.cursorSet.run(name, value);
  }

  lastLease(station: string): string | undefined {
    return this.leaseRow.get(station)?.instance_id;
  }

  recordLease(station: string, instanceId: string): void {
    this.leaseSet.run(station, instanceId);
  }
}
