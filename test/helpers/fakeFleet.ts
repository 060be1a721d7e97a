import type { Disposable } from '../../src/core/context.js';
import type { StoredFact } from '../../src/core/facts.js';
import { fleetUnavailable, type Fleet, type FleetFact, type FleetLane, type FleetWake, type Mail, type MailReport, type NewMail } from '../../src/core/fleet.js';
import { DispatchError } from '../../src/shared/errors.js';

/**
 * The shared database the fake fleets meet in: one per test, as a PostgreSQL database would be.
 * Set `available` false to play a database that is away: every call then fails with
 * `fleet_unavailable`, and wakes are not delivered (as NOTIFY is lost while disconnected).
 */
export class FakeFleetStore {
  available = true;
  readonly lanes = new Map<string, FleetLane>();
  readonly mail: Mail[] = [];
  readonly facts = new Map<string, FleetFact[]>();
  /** Mail ids another transaction holds locked (claims skip them, as FOR UPDATE SKIP LOCKED does). */
  readonly held = new Set<number>();
  private readonly listeners = new Set<(wake: FleetWake) => void>();
  private version = 0;
  private mailId = 0;

  nextVersion(): number {
    return ++this.version;
  }

  /** Like BIGSERIAL: never reused, also after mail is pruned. */
  nextMailId(): number {
    return ++this.mailId;
  }

  subscribe(listener: (wake: FleetWake) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Delivered after the caller's call returns, like NOTIFY at commit. */
  notify(wake: FleetWake): void {
    if (!this.available) return;
    for (const listener of [...this.listeners]) queueMicrotask(() => listener(wake));
  }
}

const copy = <T>(value: T): T => structuredClone(value);
const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const laneKey = (station: string, laneId: string): string => `${station}\u0000${laneId}`;

/** An in-memory Fleet for unit tests; passes the same conformance suite (test/ports/fleetSuite.ts) as fleet/'s. */
export class FakeFleet implements Fleet {
  private readonly store: FakeFleetStore;
  private readonly subscriptions = new Set<Disposable>();
  private closed = false;

  constructor(store: FakeFleetStore) {
    this.store = store;
  }

  private reachable(): void {
    if (this.closed) throw fleetUnavailable('the fleet was closed');
    if (!this.store.available) throw fleetUnavailable('fake database unavailable');
  }

  async publishLanes(station: string, lanes: readonly FleetLane[]): Promise<void> {
    this.reachable();
    for (const lane of lanes) this.store.lanes.set(laneKey(station, lane.laneId), { ...copy(lane), station });
  }

  async replaceLanes(station: string, lanes: readonly FleetLane[]): Promise<void> {
    this.reachable();
    for (const [key, lane] of this.store.lanes) if (lane.station === station) this.store.lanes.delete(key);
    await this.publishLanes(station, lanes);
  }

  async removeLanes(station: string, laneIds: readonly string[]): Promise<void> {
    this.reachable();
    for (const id of laneIds) this.store.lanes.delete(laneKey(station, id));
  }

  async listLanes(options: { station?: string } = {}): Promise<FleetLane[]> {
    this.reachable();
    return [...this.store.lanes.values()]
      .filter((l) => options.station === undefined || l.station === options.station)
      .sort((a, b) => byCodePoint(a.station, b.station) || byCodePoint(a.handle, b.handle) || byCodePoint(a.laneId, b.laneId))
      .map(copy);
  }

  async post(mail: NewMail): Promise<Mail> {
    this.reachable();
    const existing = this.store.mail.find((m) => m.sender === mail.sender && m.senderRef === mail.senderRef);
    if (existing !== undefined) return copy(existing);
    const now = new Date().toISOString();
    const posted: Mail = { ...copy(mail), id: this.store.nextMailId(), state: 'posted', receipt: null, receiptState: null, turnId: null, error: null, version: this.store.nextVersion(), createdAt: now, updatedAt: now };
    this.store.mail.push(posted);
    this.store.notify({ channel: 'mail', station: mail.target });
    return copy(posted);
  }

  async claim(station: string, limit: number): Promise<Mail[]> {
    this.reachable();
    const claimed = this.store.mail.filter((m) => m.target === station && m.state === 'posted' && !this.store.held.has(m.id)).slice(0, limit);
    const now = new Date().toISOString();
    for (const mail of claimed) Object.assign(mail, { state: 'claimed', version: this.store.nextVersion(), updatedAt: now });
    return claimed.map(copy);
  }

  async unfinished(station: string): Promise<Mail[]> {
    this.reachable();
    return this.store.mail.filter((m) => m.target === station && m.state === 'claimed').map(copy);
  }

  async report(id: number, station: string, report: MailReport): Promise<Mail> {
    this.reachable();
    const mail = this.store.mail.find((m) => m.id === id && m.target === station);
    if (mail === undefined) throw new DispatchError('not_found', `no mail ${id} for station "${station}" (only the target station reports on mail)`, { data: { mail: id, station } });
    mail.receipt = report.receipt;
    mail.receiptState = report.receiptState;
    if (report.turnId !== undefined) mail.turnId = report.turnId;
    if (report.error !== undefined) mail.error = report.error;
    mail.state = report.done || mail.state === 'done' ? 'done' : 'claimed';
    mail.version = this.store.nextVersion();
    mail.updatedAt = new Date().toISOString();
    this.store.notify({ channel: 'report', sender: mail.sender });
    return copy(mail);
  }

  async changedSince(sender: string, version: number, limit: number): Promise<Mail[]> {
    this.reachable();
    return this.store.mail
      .filter((m) => m.sender === sender && m.version > version)
      .sort((a, b) => a.version - b.version)
      .slice(0, limit)
      .map(copy);
  }

  async pruneMail(sender: string, throughVersion: number, olderThanMs: number): Promise<number> {
    this.reachable();
    const cutoff = Date.now() - olderThanMs;
    const before = this.store.mail.length;
    const kept = this.store.mail.filter((m) => !(m.sender === sender && m.state === 'done' && m.version <= throughVersion && Date.parse(m.updatedAt) < cutoff));
    this.store.mail.splice(0, this.store.mail.length, ...kept);
    return before - kept.length;
  }

  async find(id: number): Promise<Mail | undefined> {
    this.reachable();
    const mail = this.store.mail.find((m) => m.id === id);
    return mail === undefined ? undefined : copy(mail);
  }

  async publishFacts(station: string, facts: readonly StoredFact[]): Promise<void> {
    this.reachable();
    if (facts.length === 0) return;
    const stream = this.store.facts.get(station) ?? [];
    const known = new Set(stream.map((f) => f.seq));
    for (const fact of facts) if (!known.has(fact.seq)) stream.push({ ...copy(fact), station });
    stream.sort((a, b) => a.seq - b.seq);
    this.store.facts.set(station, stream);
    this.store.notify({ channel: 'facts', station });
  }

  async latestFact(station: string): Promise<number> {
    this.reachable();
    return this.store.facts.get(station)?.at(-1)?.seq ?? 0;
  }

  async factsSince(station: string, seq: number, options: { lanes?: readonly string[]; limit: number }): Promise<FleetFact[]> {
    this.reachable();
    const lanes = options.lanes === undefined ? null : new Set(options.lanes);
    return (this.store.facts.get(station) ?? [])
      .filter((f) => f.seq > seq && (lanes === null || ('laneId' in f && lanes.has(f.laneId))))
      .slice(0, options.limit)
      .map(copy);
  }

  async pruneFacts(station: string, keep: number): Promise<number> {
    this.reachable();
    const stream = this.store.facts.get(station) ?? [];
    const gone = Math.max(0, stream.length - keep);
    stream.splice(0, gone);
    return gone;
  }

  listen(listener: (wake: FleetWake) => void): Disposable {
    const subscription = this.store.subscribe(listener);
    this.subscriptions.add(subscription);
    return {
      dispose: () => {
        subscription.dispose();
        this.subscriptions.delete(subscription);
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.dispose();
    this.subscriptions.clear();
  }
}
