import { DispatchError } from '../shared/errors.js';
import type { Mail, MailBody, OutboxEntry, RemoteLaneRef } from './fleet.js';
import type { DeliveryState } from './model.js';

/** What a new outbox row holds before it is posted. */
export interface NewOutboxEntry {
  station: string;
  lane: string;
  body: MailBody;
  idempotencyKey: string | null;
  source: string;
}

/** The target's view of a mail, as the sender's outbox keeps it. */
export interface OutboxReport {
  receipt: number | null;
  state: DeliveryState;
  turnId: string | null;
  error: string | null;
}

/**
 * The station's outbox and its other fleet bookkeeping (loop cursors, the lease it last held); store/
 * implements it in SQLite: it survives the fleet database being away.
 */
export interface OutboxRepository {
  /** Inserts a row in state `queued`; a taken idempotency key is a `conflict` carrying the existing row. */
  insert(entry: NewOutboxEntry): OutboxEntry;
  find(id: number): OutboxEntry | undefined;
  findByKey(idempotencyKey: string): OutboxEntry | undefined;
  /** Rows not posted yet, oldest first. */
  unposted(limit: number): OutboxEntry[];
  markPosted(id: number, mailId: number): void;
  /** Applies the target's report; false when nothing changed. */
  applyReport(id: number, report: OutboxReport): boolean;
  /** A named cursor of the fleet loops (undefined when never set). */
  cursor(name: string): number | undefined;
  setCursor(name: string, value: number): void;
  /** The lease instance this home last held under `station`, if any. */
  lastLease(station: string): string | undefined;
  recordLease(station: string, instanceId: string): void;
}

/**
 * Queues a message for a remote lane in the outbox. The idempotency key behaves like a local
 * send's: the same key with the same target and text returns the first entry; other text is a conflict.
 */
export function queueRemoteSend(outbox: OutboxRepository, ref: RemoteLaneRef, body: Extract<MailBody, { kind: 'send' }>, options: { idempotencyKey?: string; source: string }): OutboxEntry & { duplicate: boolean } {
  const key = options.idempotencyKey ?? null;
  if (key !== null) {
    const existing = outbox.findByKey(key);
    if (existing) return { ...sameOrConflict(existing, ref, body, key), duplicate: true };
  }
  return { ...outbox.insert({ station: ref.station, lane: ref.lane, body, idempotencyKey: key, source: options.source }), duplicate: false };
}

function sameOrConflict(existing: OutboxEntry, ref: RemoteLaneRef, body: MailBody, key: string): OutboxEntry {
  const same = existing.station === ref.station && existing.lane === ref.lane && JSON.stringify(existing.body) === JSON.stringify(body);
  if (same) return existing;
  throw new DispatchError('conflict', `idempotency key '${key}' was used for a different message (outbox entry m${existing.id})`, { data: { outbox: existing.id } });
}

/** The state a sender shows for its mail: the target's receipt state once reported, `queued` before. */
export function outboxReportOf(mail: Mail): OutboxReport {
  const state: DeliveryState = mail.receiptState ?? (mail.state === 'done' && mail.error !== null ? 'failed' : 'queued');
  return { receipt: mail.receipt, state, turnId: mail.turnId, error: mail.error };
}
