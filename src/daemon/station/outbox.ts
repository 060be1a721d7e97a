import type { Fleet } from '../../core/fleet.js';
import { outboxReportOf } from '../../core/fleetOutbox.js';
import type { Store } from '../../core/ports.js';

const POST_BATCH = 50;
const MIRROR_BATCH = 200;
/** The fleet_cursors row of the last mail version the mirror applied. */
const MIRROR_CURSOR = 'mail_version';

export interface MailRetention {
  /** How long done mail stays in the shared database (to look into with psql) before its sender deletes it. */
  keepMs: number;
  /** How often the sender looks for such mail. */
  everyMs: number;
}

export const DEFAULT_MAIL_RETENTION: MailRetention = { keepMs: 24 * 3_600_000, everyMs: 10 * 60_000 };

/**
 * The sending side: posts outbox rows the mailbox does not have yet (idempotent on sender + row id,
 * so a post repeated after a crash is harmless), and mirrors the targets' reports into the rows.
 */
export class OutboxCourier {
  private readonly store: Store;
  private readonly station: string;
  private readonly retention: MailRetention;
  private lastPruneAt = Number.NEGATIVE_INFINITY;

  constructor(store: Store, station: string, retention: MailRetention = DEFAULT_MAIL_RETENTION) {
    this.store = store;
    this.station = station;
    this.retention = retention;
  }

  /** Posts unposted rows; true when a full batch went (more may wait). */
  async post(fleet: Fleet): Promise<boolean> {
    const rows = this.store.outbox.unposted(POST_BATCH);
    for (const row of rows) {
      const mail = await fleet.post({ sender: this.station, senderRef: row.id, target: row.station, lane: row.lane, body: row.body });
      this.store.transaction(() => {
        this.store.outbox.markPosted(row.id, mail.id);
        this.store.outbox.applyReport(row.id, outboxReportOf(mail));
      });
    }
    return rows.length === POST_BATCH;
  }

  /** Applies reports after the stored cursor; true when a full batch came. */
  async mirror(fleet: Fleet): Promise<boolean> {
    const cursor = this.store.outbox.cursor(MIRROR_CURSOR) ?? 0;
    const changed = await fleet.changedSince(this.station, cursor, MIRROR_BATCH);
    const last = changed.at(-1);
    if (last === undefined) return false;
    this.store.transaction(() => {
      for (const mail of changed) {
        const row = this.store.outbox.find(mail.senderRef);
        // The post's answer may not have been recorded (a crash right after posting): the report names the row.
        if (row && row.mailId === null) this.store.outbox.markPosted(row.id, mail.id);
        if (row) this.store.outbox.applyReport(row.id, outboxReportOf(mail));
      }
      this.store.outbox.setCursor(MIRROR_CURSOR, last.version);
    });
    return changed.length === MIRROR_BATCH;
  }

  /**
   * Deletes this station's done mail once its mirror has applied it (the outbox keeps the outcome)
   * and it is older than the retention, so the shared mail table does not grow without end.
   */
  async prune(fleet: Fleet, now = Date.now()): Promise<number> {
    if (now - this.lastPruneAt < this.retention.everyMs) return 0;
    const cursor = this.store.outbox.cursor(MIRROR_CURSOR);
    if (cursor === undefined) return 0;
    const pruned = await fleet.pruneMail(this.station, cursor, this.retention.keepMs);
    this.lastPruneAt = now;
    return pruned;
  }
}
