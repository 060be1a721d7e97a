import type Database from 'better-sqlite3';
import type { QueuedMessage, QueuedStatus } from '../core/model.js';
import type { Clock, QueueRepository } from '../core/ports.js';
import { DispatchError } from '../shared/errors.js';
import { isoNow } from './rows.js';

interface QueueRow {
  id: number;
  lane: string;
  text: string;
  status: QueuedStatus;
  created_at: string;
  updated_at: string;
  error: string | null;
}

const messageOf = (r: QueueRow): QueuedMessage => ({
  id: r.id,
  lane: r.lane,
  text: r.text,
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  error: r.error,
});

/** `list` filters: a lane, and the statuses as a JSON array so one prepared statement serves any set. */
interface ListParams {
  lane?: string;
  statuses?: string;
}

/** The durable per-lane send queue in `queued_messages`; ids come from AUTOINCREMENT and are never reused. */
export class SqliteQueueRepository implements QueueRepository {
  private readonly clock: Clock;
  private readonly insertRow: Database.Statement<[string, string, string, string]>;
  private readonly byId: Database.Statement<[number], QueueRow>;
  private readonly next: Database.Statement<[string], QueueRow>;
  /** Compare-and-set: moves a row only when it is still in the expected status. */
  private readonly transition: Database.Statement<[QueuedStatus, string | null, string, number, QueuedStatus]>;
  private readonly setStatus: Database.Statement<[QueuedStatus, string | null, string, number]>;
  private readonly pending: Database.Statement<[string], number>;
  private readonly listAll: Database.Statement<[ListParams], QueueRow>;
  private readonly listLane: Database.Statement<[ListParams], QueueRow>;
  private readonly listStatuses: Database.Statement<[ListParams], QueueRow>;
  private readonly listLaneStatuses: Database.Statement<[ListParams], QueueRow>;

  constructor(db: Database.Database, clock: Clock) {
    this.clock = clock;
    this.insertRow = db.prepare("INSERT INTO queued_messages (lane, text, status, created_at, updated_at) VALUES (?, ?, 'pending', ?, ?)");
    this.byId = db.prepare('SELECT * FROM queued_messages WHERE id = ?');
    this.next = db.prepare("SELECT * FROM queued_messages WHERE lane = ? AND status = 'pending' ORDER BY id LIMIT 1");
    this.transition = db.prepare('UPDATE queued_messages SET status = ?, error = ?, updated_at = ? WHERE id = ? AND status = ?');
    this.setStatus = db.prepare('UPDATE queued_messages SET status = ?, error = ?, updated_at = ? WHERE id = ?');
    this.pending = db.prepare<[string], number>("SELECT count(*) FROM queued_messages WHERE lane = ? AND status = 'pending'").pluck();
    const inStatuses = 'status IN (SELECT value FROM json_each(@statuses))';
    this.listAll = db.prepare('SELECT * FROM queued_messages ORDER BY id');
    this.listLane = db.prepare('SELECT * FROM queued_messages WHERE lane = @lane ORDER BY id');
    this.listStatuses = db.prepare(`SELECT * FROM queued_messages WHERE ${inStatuses} ORDER BY id`);
    this.listLaneStatuses = db.prepare(`SELECT * FROM queued_messages WHERE lane = @lane AND ${inStatuses} ORDER BY id`);
  }

  enqueue(lane: string, text: string): QueuedMessage {
    const now = isoNow(this.clock);
    const id = Number(this.insertRow.run(lane, text, now, now).lastInsertRowid);
    const created = this.find(id);
    if (!created) throw new DispatchError('internal', `queued message ${id} vanished after insert`);
    return created;
  }

  find(id: number): QueuedMessage | undefined {
    const row = this.byId.get(id);
    return row ? messageOf(row) : undefined;
  }

  nextPending(lane: string): QueuedMessage | undefined {
    const row = this.next.get(lane);
    return row ? messageOf(row) : undefined;
  }

  claim(id: number): boolean {
    return this.transition.run('sending', null, isoNow(this.clock), id, 'pending').changes === 1;
  }

  complete(id: number): void {
    this.setStatus.run('sent', null, isoNow(this.clock), id);
  }

  fail(id: number, error: string): void {
    this.setStatus.run('error', error, isoNow(this.clock), id);
  }

  cancel(id: number): boolean {
    return this.transition.run('cancelled', null, isoNow(this.clock), id, 'pending').changes === 1;
  }

  /** Messages ordered by id; `statuses` is an allow-list, so an empty array matches nothing. */
  list(options: { lane?: string; statuses?: QueuedStatus[] }): QueuedMessage[] {
    const { lane, statuses } = options;
    const params: ListParams = {};
    if (lane !== undefined) params.lane = lane;
    if (statuses !== undefined) params.statuses = JSON.stringify(statuses);
    const statement =
      lane === undefined
        ? statuses === undefined
          ? this.listAll
          : this.listStatuses
        : statuses === undefined
          ? this.listLane
          : this.listLaneStatuses;
    return statement.all(params).map(messageOf);
  }

  pendingCount(lane: string): number {
    return this.pending.get(lane) ?? 0;
  }
}
