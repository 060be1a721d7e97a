import type Database from 'better-sqlite3';
import type { InboxItem } from '../core/model.js';
import type { Clock, InboxRepository } from '../core/ports.js';
import { DispatchError } from '../shared/errors.js';
import { isoNow } from './rows.js';

interface InboxRow {
  id: number;
  lane: string;
  event: string;
  text: string;
  trigger_id: string | null;
  created_at: string;
  read_at: string | null;
  acked_at: string | null;
}

const itemOf = (r: InboxRow): InboxItem => ({
  id: r.id,
  lane: r.lane,
  event: r.event,
  text: r.text,
  triggerId: r.trigger_id,
  createdAt: r.created_at,
  readAt: r.read_at,
  ackedAt: r.acked_at,
});

/** The inbox in `inbox`: items stay until acknowledged. */
export class SqliteInboxRepository implements InboxRepository {
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly insertRow: Database.Statement;
  private readonly byId: Database.Statement<[number], InboxRow>;
  private readonly read: Database.Statement<[string, number]>;
  private readonly acked: Database.Statement<[string, number]>;

  constructor(db: Database.Database, clock: Clock) {
    this.db = db;
    this.clock = clock;
    this.insertRow = db.prepare('INSERT INTO inbox (lane, event, text, trigger_id, created_at) VALUES (@lane, @event, @text, @triggerId, @now)');
    this.byId = db.prepare('SELECT * FROM inbox WHERE id = ?');
    this.read = db.prepare('UPDATE inbox SET read_at = ? WHERE id = ? AND read_at IS NULL');
    this.acked = db.prepare('UPDATE inbox SET acked_at = ? WHERE id = ? AND acked_at IS NULL');
  }

  insert(item: { lane: string; event: string; text: string; triggerId: string | null }): InboxItem {
    const id = Number(this.insertRow.run({ ...item, now: isoNow(this.clock) }).lastInsertRowid);
    const found = this.find(id);
    if (!found) throw new DispatchError('internal', `inbox item ${id} vanished after insert`);
    return found;
  }

  find(id: number): InboxItem | undefined {
    const row = this.byId.get(id);
    return row ? itemOf(row) : undefined;
  }

  list(options: { unackedOnly: boolean; lane?: string; limit: number }): InboxItem[] {
    const where = [options.unackedOnly ? 'acked_at IS NULL' : '1 = 1', options.lane === undefined ? '1 = 1' : 'lane = @lane'];
    return (this.db.prepare(`SELECT * FROM inbox WHERE ${where.join(' AND ')} ORDER BY id LIMIT @limit`).all({ lane: options.lane ?? null, limit: options.limit }) as InboxRow[]).map(itemOf);
  }

  markRead(id: number): void {
    this.read.run(isoNow(this.clock), id);
  }

  ack(id: number): boolean {
    return this.acked.run(isoNow(this.clock), id).changes === 1;
  }

  latestForTrigger(triggerId: string): InboxItem | undefined {
    const row = this.db.prepare('SELECT * FROM inbox WHERE trigger_id = ? ORDER BY id DESC LIMIT 1').get(triggerId) as InboxRow | undefined;
    return row ? itemOf(row) : undefined;
  }
}
