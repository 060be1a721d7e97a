import type { Mail, MailBody, Mailbox, MailReport, MailState, NewMail } from '../core/fleet.js';
import type { DeliveryState } from '../core/model.js';
import { DispatchError } from '../shared/errors.js';
import { jsonParam, type FleetDb, type Queryable } from './pgDb.js';

/** NOTIFY channels: new mail (payload: the target station), a report (payload: the sender). */
export const MAIL_CHANNEL = 'dispatch_mail';
export const REPORT_CHANNEL = 'dispatch_report';

/**
 * Held (per transaction) while a mail row takes its next `version`. Sequence values are handed out
 * before commit, so without it a change could commit with a lower version than one a sender has
 * already read, and the sender would never see it; under the lock versions commit in order. Row
 * locks are always taken before it, never after, so it cannot deadlock with a claim.
 */
const MAIL_VERSION_LOCK = 0x6d61696c; // "mail"

interface MailRow {
  id: string;
  sender: string;
  sender_ref: string;
  target: string;
  lane: string;
  body: MailBody;
  state: MailState;
  receipt: string | null;
  receipt_state: DeliveryState | null;
  turn_id: string | null;
  error: string | null;
  version: string;
  created_at: Date;
  updated_at: Date;
}

function mailOf(row: MailRow): Mail {
  return {
    id: Number(row.id),
    sender: row.sender,
    senderRef: Number(row.sender_ref),
    target: row.target,
    lane: row.lane,
    body: row.body,
    state: row.state,
    receipt: row.receipt === null ? null : Number(row.receipt),
    receiptState: row.receipt_state,
    turnId: row.turn_id,
    error: row.error,
    version: Number(row.version),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const lockVersions = (client: Queryable): Promise<unknown> => client.query('SELECT pg_advisory_xact_lock($1)', [MAIL_VERSION_LOCK]);

/** The mailbox in PostgreSQL: each change is one short transaction, and NOTIFY (sent at commit) wakes whoever waits. */
export class PgMailbox implements Mailbox {
  private readonly db: FleetDb;

  constructor(db: FleetDb) {
    this.db = db;
  }

  async post(mail: NewMail): Promise<Mail> {
    // One statement (one round trip, its own transaction): the lock, then the insert that reads
    // from it (so its version is taken under the lock), then NOTIFY of what was inserted.
    const inserted = await this.db.query<MailRow & { notified: string }>(
      `WITH version_lock AS (SELECT pg_advisory_xact_lock($6)),
       inserted AS (
         INSERT INTO mail (sender, sender_ref, target, lane, body)
         SELECT $1, $2, $3, $4, $5::jsonb FROM version_lock
         ON CONFLICT (sender, sender_ref) DO NOTHING RETURNING *),
       notified AS (SELECT pg_notify('${MAIL_CHANNEL}', target) FROM inserted)
       SELECT *, (SELECT count(*) FROM notified) AS notified FROM inserted`,
      [mail.sender, mail.senderRef, mail.target, mail.lane, jsonParam(mail.body), MAIL_VERSION_LOCK],
    );
    const row = inserted.rows[0];
    if (row !== undefined) return mailOf(row);
    const first = await this.db.query<MailRow>('SELECT * FROM mail WHERE sender = $1 AND sender_ref = $2', [mail.sender, mail.senderRef]);
    const existing = first.rows[0];
    if (existing === undefined) throw new Error(`mail ${mail.sender}/${mail.senderRef} conflicted but is not there`);
    return mailOf(existing);
  }

  async claim(station: string, limit: number): Promise<Mail[]> {
    return this.db.transaction(async (client) => {
      const free = await client.query<{ id: string }>(
        `SELECT id FROM mail WHERE target = $1 AND state = 'posted' ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [station, limit],
      );
      if (free.rows.length === 0) return [];
      await lockVersions(client);
      const claimed = await client.query<MailRow>(
        `UPDATE mail SET state = 'claimed', version = nextval('mail_version'), updated_at = now()
         WHERE id = ANY($1::bigint[]) RETURNING *`,
        [free.rows.map((r) => r.id)],
      );
      return claimed.rows.map(mailOf).sort((a, b) => a.id - b.id);
    });
  }

  async unfinished(station: string): Promise<Mail[]> {
    const rows = await this.db.query<MailRow>(`SELECT * FROM mail WHERE target = $1 AND state = 'claimed' ORDER BY id`, [station]);
    return rows.rows.map(mailOf);
  }

  async report(id: number, station: string, report: MailReport): Promise<Mail> {
    // One statement: the row lock (only the target's mail), then the version lock, then the update
    // reading from it; a report never reopens done mail, and absent turnId / error keep what was there.
    const updated = await this.db.query<MailRow & { notified: string }>(
      `WITH mine AS (SELECT id FROM mail WHERE id = $1 AND target = $2 FOR UPDATE),
       version_lock AS (SELECT pg_advisory_xact_lock($10) FROM mine),
       updated AS (
         UPDATE mail SET receipt = $3, receipt_state = $4,
           turn_id = CASE WHEN $5::boolean THEN $6 ELSE turn_id END,
           error = CASE WHEN $7::boolean THEN $8 ELSE error END,
           state = CASE WHEN $9::boolean OR state = 'done' THEN 'done' ELSE 'claimed' END,
           version = nextval('mail_version'), updated_at = now()
         FROM version_lock WHERE mail.id = $1 RETURNING mail.*),
       notified AS (SELECT pg_notify('${REPORT_CHANNEL}', sender) FROM updated)
       SELECT *, (SELECT count(*) FROM notified) AS notified FROM updated`,
      [id, station, report.receipt, report.receiptState, report.turnId !== undefined, report.turnId ?? null, report.error !== undefined, report.error ?? null, report.done, MAIL_VERSION_LOCK],
    );
    const row = updated.rows[0];
    if (row === undefined) throw new DispatchError('not_found', `no mail ${id} for station "${station}" (only the target station reports on mail)`, { data: { mail: id, station } });
    return mailOf(row);
  }

  async changedSince(sender: string, version: number, limit: number): Promise<Mail[]> {
    const rows = await this.db.query<MailRow>('SELECT * FROM mail WHERE sender = $1 AND version > $2 ORDER BY version LIMIT $3', [sender, version, limit]);
    return rows.rows.map(mailOf);
  }

  async pruneMail(sender: string, throughVersion: number, olderThanMs: number): Promise<number> {
    const deleted = await this.db.query(
      `DELETE FROM mail WHERE sender = $1 AND state = 'done' AND version <= $2 AND updated_at < now() - $3::bigint * interval '1 millisecond'`,
      [sender, throughVersion, olderThanMs],
    );
    return deleted.rowCount ?? 0;
  }

  async find(id: number): Promise<Mail | undefined> {
    const rows = await this.db.query<MailRow>('SELECT * FROM mail WHERE id = $1', [id]);
    const row = rows.rows[0];
    return row === undefined ? undefined : mailOf(row);
  }
}
