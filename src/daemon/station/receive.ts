import type { OpContext } from '../../core/context.js';
import { deliver, type DeliveryContext } from '../../core/deliveries.js';
import type { Fleet, Mail, MailReport } from '../../core/fleet.js';
import { requireNotArchived, requireOwned, resolveLane } from '../../core/lanes.js';
import { SETTLED_DELIVERY_STATES, type Delivery } from '../../core/model.js';
import { DispatchError } from '../../shared/errors.js';

/** What delivering mail needs: the ledger (core's deliver) and the approvals broker (for answers). */
export type ReceiveContext = DeliveryContext & Pick<OpContext, 'drainQueue' | 'approvals'>;

/** Mail claimed per pass. */
const CLAIM_BATCH = 10;

/** The local idempotency key of a mail: a second delivery of it returns the first receipt. */
export const mailKey = (mailId: number): string => `fleet-mail:${mailId}`;

const reportOfReceipt = (delivery: Delivery): MailReport => ({
  receipt: delivery.id,
  receiptState: delivery.state,
  turnId: delivery.turnId,
  error: delivery.error,
  done: SETTLED_DELIVERY_STATES.includes(delivery.state),
});

const failedReport = (error: unknown): MailReport => ({
  receipt: null,
  receiptState: 'failed',
  error: error instanceof DispatchError ? `${error.code}: ${error.message}` : `internal: ${(error as Error).message}`,
  done: true,
});

/**
 * The receiving side of the mailbox: claims mail for this station, delivers it through the local
 * ledger (idempotency key `fleet-mail:<id>`, source `fleet:<sender>`), and reports the receipt's
 * state back, again on each change, until it settles. Reports are coalesced per mail: the latest
 * local state is what goes out, so one lost while the database was away is simply sent later.
 */
export class Receiver {
  /** Local receipt → the mail it delivers (until its report is `done`). */
  private readonly tracked = new Map<number, number>();
  /** Mail whose report is due: its receipt's current state, or a final report without a receipt. */
  private readonly due = new Map<number, { receipt: number } | { final: MailReport }>();

  private readonly ctx: ReceiveContext;
  private readonly station: string;

  constructor(ctx: ReceiveContext, station: string) {
    this.ctx = ctx;
    this.station = station;
  }

  /** A local receipt changed: its mail's report is due again. */
  receiptChanged(receipt: number): void {
    const mailId = this.tracked.get(receipt);
    if (mailId !== undefined) this.due.set(mailId, { receipt });
  }

  /** After (re)connecting: mail this station claimed and did not finish is taken up again first. */
  async resume(fleet: Fleet): Promise<void> {
    for (const mail of await fleet.unfinished(this.station)) await this.take(mail);
  }

  /** Claims and delivers new mail; true when a full batch came (more may wait). */
  async receive(fleet: Fleet): Promise<boolean> {
    const mails = await fleet.claim(this.station, CLAIM_BATCH);
    for (const mail of mails) {
      await this.ctx.failpoint('fleet-after-claim');
      await this.take(mail);
    }
    return mails.length === CLAIM_BATCH;
  }

  async flushReports(fleet: Fleet): Promise<void> {
    for (const [mailId, what] of [...this.due]) {
      const report = 'final' in what ? what.final : this.receiptReport(what.receipt);
      if (report === undefined) {
        this.due.delete(mailId);
        continue;
      }
      await fleet.report(mailId, this.station, report);
      // A change that came while the report was in flight stays due.
      if (this.due.get(mailId) === what) this.due.delete(mailId);
      if (report.done && report.receipt !== null) this.tracked.delete(report.receipt);
    }
  }

  private receiptReport(receipt: number): MailReport | undefined {
    const delivery = this.ctx.store.deliveries.find(receipt);
    return delivery && reportOfReceipt(delivery);
  }

  /** Delivers one mail (again, after a crash or reconnect: the key returns the first receipt). */
  private async take(mail: Mail): Promise<void> {
    if (mail.body.kind === 'respond') {
      this.due.set(mail.id, { final: this.answer(mail.id, mail.body) });
      return;
    }
    const { body } = mail;
    let delivery: Delivery | undefined;
    try {
      const lane = resolveLane(this.ctx.store, mail.lane);
      requireOwned(lane, body.mode);
      requireNotArchived(lane, body.mode);
      delivery = (await deliver(this.ctx, { lane, mode: body.mode, text: body.text, source: `fleet:${mail.sender}`, idempotencyKey: mailKey(mail.id) })).delivery;
    } catch (error) {
      // A submit that failed (or may have reached codex) still left its receipt: that is what is reported.
      delivery = this.ctx.store.deliveries.findByKey(mailKey(mail.id));
      if (delivery === undefined) {
        this.ctx.log.warn('fleet.mail_failed', { mail: mail.id, sender: mail.sender, error: (error as Error).message });
        this.due.set(mail.id, { final: failedReport(error) });
        return;
      }
    }
    this.tracked.set(delivery.id, mail.id);
    this.due.set(mail.id, { receipt: delivery.id });
  }

  /**
   * An answer to a local request, through the same broker call as the `request.respond` op. That it
   * was given is noted in the registry, so mail taken up again after a crash is not answered twice
   * (which the broker would refuse, reporting a failure for an answer that went through).
   */
  private answer(mailId: number, body: Extract<Mail['body'], { kind: 'respond' }>): MailReport {
    const answered: MailReport = { receipt: null, receiptState: 'completed', done: true };
    const note = `answered:${mailId}`;
    if (this.ctx.store.outbox.cursor(note) !== undefined) return answered;
    try {
      this.ctx.approvals.respond(body.request, body.decision, body.answer ?? []);
      this.ctx.store.outbox.setCursor(note, body.request);
      return answered;
    } catch (error) {
      return failedReport(error);
    }
  }
}
