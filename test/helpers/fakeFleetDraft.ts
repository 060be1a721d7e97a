import type { Disposable } from '../../src/core/context.js';
import { fleetUnavailable, type Fleet, type FleetFact, type FleetLane, type FleetWake, type Mail, type MailReport, type NewMail } from '../../src/core/fleet.js';
import type { StoredFact } from '../../src/core/facts.js';
import { DispatchError } from '../../src/shared/errors.js';

/**
 * A minimal in-memory Fleet for the station's unit tests until fleet-pg's test/helpers/fakeFleet.ts
 * lands (then this file goes). `down` makes every call fail as an unreachable database would.
 */
export class FakeFleetDraft implements Fleet {
  down = false;
  readonly lanes = new Map<string, FleetLane>();
  readonly mail: Mail[] = [];
  readonly facts = new Map<string, StoredFact[]>();
  /** Every call made, by method name (tests count claims, posts …). */
  readonly calls: string[] = [];
  private version = 0;
  private readonly listeners = new Set<(wake: FleetWake) => void>();

  private async gate(method: string): Promise<void> {
    this.calls.push(method);
    await Promise.resolve();
    if (this.down) throw fleetUnavailable('connect ECONNREFUSED 127.0.0.1:5432');
  }

  private wake(wake: FleetWake): void {
    for (const listener of this.listeners) listener(wake);
  }

  async publishLanes(station: string, lanes: readonly FleetLane[]): Promise<void> {
    await this.gate('publishLanes');
    for (const lane of lanes) this.lanes.set(`${station}/${lane.laneId}`, { ...lane, station });
  }

  async replaceLanes(station: string, lanes: readonly FleetLane[]): Promise<void> {
    await this.gate('replaceLanes');
    for (const key of [...this.lanes.keys()]) if (key.startsWith(`${station}/`)) this.lanes.delete(key);
    for (const lane of lanes) this.lanes.set(`${station}/${lane.laneId}`, { ...lane, station });
  }

  async removeLanes(station: string, laneIds: readonly string[]): Promise<void> {
    await this.gate('removeLanes');
    for (const id of laneIds) this.lanes.delete(`${station}/${id}`);
  }

  async listLanes(options: { station?: string } = {}): Promise<FleetLane[]> {
    await this.gate('listLanes');
    return [...this.lanes.values()]
      .filter((l) => options.station === undefined || l.station === options.station)
      .sort((a, b) => (a.station + '\0' + a.handle < b.station + '\0' + b.handle ? -1 : 1))
      .map((l) => structuredClone(l));
  }

  async post(mail: NewMail): Promise<Mail> {
    await this.gate('post');
    const existing = this.mail.find((m) => m.sender === mail.sender && m.senderRef === mail.senderRef);
    if (existing) return structuredClone(existing);
    const now = new Date().toISOString();
    const row: Mail = { ...structuredClone(mail), id: this.mail.length + 1, state: 'posted', receipt: null, receiptState: null, turnId: null, error: null, version: ++this.version, createdAt: now, updatedAt: now };
    this.mail.push(row);
    this.wake({ channel: 'mail', station: mail.target });
    return structuredClone(row);
  }

  async claim(station: string, limit: number): Promise<Mail[]> {
    await this.gate('claim');
    const taken = this.mail.filter((m) => m.target === station && m.state === 'posted').slice(0, limit);
    for (const m of taken) {
      m.state = 'claimed';
      m.version = ++this.version;
    }
    return structuredClone(taken);
  }

  async unfinished(station: string): Promise<Mail[]> {
    await this.gate('unfinished');
    return structuredClone(this.mail.filter((m) => m.target === station && m.state === 'claimed'));
  }

  async report(id: number, station: string, report: MailReport): Promise<Mail> {
    await this.gate('report');
    const m = this.mail.find((x) => x.id === id);
    if (!m || m.target !== station) throw new DispatchError('not_found', `no mail ${id} for station ${station}`);
    m.receipt = report.receipt;
    m.receiptState = report.receiptState;
    if (report.turnId !== undefined) m.turnId = report.turnId;
    if (report.error !== undefined) m.error = report.error;
    if (report.done) m.state = 'done';
    m.version = ++this.version;
    m.updatedAt = new Date().toISOString();
    this.wake({ channel: 'report', sender: m.sender });
    return structuredClone(m);
  }

  async changedSince(sender: string, version: number, limit: number): Promise<Mail[]> {
    await this.gate('changedSince');
    return structuredClone(
      this.mail
        .filter((m) => m.sender === sender && m.version > version)
        .sort((a, b) => a.version - b.version)
        .slice(0, limit),
    );
  }

  async find(id: number): Promise<Mail | undefined> {
    await this.gate('find');
    const m = this.mail.find((x) => x.id === id);
    return m && structuredClone(m);
  }

  async publishFacts(station: string, facts: readonly StoredFact[]): Promise<void> {
    await this.gate('publishFacts');
    const list = this.facts.get(station) ?? [];
    for (const fact of facts) if (!list.some((f) => f.seq === fact.seq)) list.push(structuredClone(fact));
    list.sort((a, b) => a.seq - b.seq);
    this.facts.set(station, list);
    this.wake({ channel: 'facts', station });
  }

  async latestFact(station: string): Promise<number> {
    await this.gate('latestFact');
    return this.facts.get(station)?.at(-1)?.seq ?? 0;
  }

  async factsSince(station: string, seq: number, options: { lanes?: readonly string[]; limit: number }): Promise<FleetFact[]> {
    await this.gate('factsSince');
    return (this.facts.get(station) ?? [])
      .filter((f) => f.seq > seq && (options.lanes === undefined || options.lanes.includes(f.laneId)))
      .slice(0, options.limit)
      .map((f) => ({ ...structuredClone(f), station }));
  }

  async pruneFacts(station: string, keep: number): Promise<number> {
    await this.gate('pruneFacts');
    const list = this.facts.get(station) ?? [];
    const gone = Math.max(0, list.length - keep);
    list.splice(0, gone);
    return gone;
  }

  listen(listener: (wake: FleetWake) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  async close(): Promise<void> {
    this.listeners.clear();
  }
}
