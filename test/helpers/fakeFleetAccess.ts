import { DispatchError } from '../../src/shared/errors.js';
import { fleetUnavailable, type FleetAccess, type FleetFact, type FleetLane, type FleetStationStatus, type OutboxEntry, type RemoteLaneRef } from '../../src/core/fleet.js';
import { redactUrl } from '../../src/shared/redactUrl.js';
import type { StationEntry } from '../../src/core/stationDirectory.js';
import type { DeliveryMode } from '../../src/core/model.js';

type Station = StationEntry & { lanes: number; busy: number; needsYou: number };

/**
 * FleetAccess (ctx.fleet) in memory, for handler tests: stations, published lanes and facts set
 * by the test, an outbox that `send`/`respond` append to, and `unavailable` to act out the
 * database being away (reads fail with fleet_unavailable; send and respond still queue).
 */
export class FakeFleetAccess implements FleetAccess {
  readonly station: string;
  readonly databaseUrl: string;
  unavailable = false;
  readonly stationList: StationEntry[] = [];
  readonly laneList: Array<FleetLane & { reachable: boolean }> = [];
  readonly facts: FleetFact[] = [];
  readonly entries: OutboxEntry[] = [];
  private readonly now: () => Date;

  constructor(station: string, options: { databaseUrl?: string; now?: () => Date } = {}) {
    this.station = station;
    this.databaseUrl = options.databaseUrl ?? 'postgres://dispatch:hunter2@db.example:5432/fleet';
    this.now = options.now ?? (() => new Date('2026-11-25T12:00:00Z'));
  }

  connected(): boolean {
    return !this.unavailable;
  }

  status(): FleetStationStatus {
    return { station: this.station, url: redactUrl(this.databaseUrl), state: 'joined', connected: !this.unavailable, leaseExpiresAt: null, lastError: this.unavailable ? 'connect ECONNREFUSED 127.0.0.1:5432' : null };
  }

  addStation(name: string, overrides: Partial<StationEntry> = {}): StationEntry {
    const at = this.now().toISOString();
    const entry: StationEntry = { name, host: `${name}.local`, version: '0.9.0', mode: 'simulate', instanceId: `i-${name}`, startedAt: at, lastSeen: at, leaseExpiresAt: at, state: 'up', ...overrides };
    this.stationList.push(entry);
    return entry;
  }

  addLane(station: string, handle: string, overrides: Partial<FleetLane> & { reachable?: boolean } = {}): FleetLane & { reachable: boolean } {
    const lane = {
      station,
      laneId: `${handle.replace(/^@/, '')}-id-0001`,
      handle,
      status: 'idle' as const,
      attention: 'idle' as const,
      cwd: '/work/remote',
      activeTurnId: null,
      lastAgentMessage: null,
      pendingRequests: [],
      updatedAt: this.now().toISOString(),
      reachable: true,
      ...overrides,
    };
    this.laneList.push(lane);
    return lane;
  }

  private read<T>(value: () => T): Promise<T> {
    if (this.unavailable) return Promise.reject(fleetUnavailable('connect ECONNREFUSED 127.0.0.1:5432'));
    return Promise.resolve(value());
  }

  stations(): Promise<Station[]> {
    return this.read(() =>
      this.stationList.map((s) => {
        const lanes = this.laneList.filter((lane) => lane.station === s.name);
        return { ...s, lanes: lanes.length, busy: lanes.filter((lane) => lane.status === 'busy').length, needsYou: lanes.filter((lane) => lane.attention === 'needs-you').length };
      }),
    );
  }

  lanes(options: { station?: string } = {}): Promise<Array<FleetLane & { reachable: boolean }>> {
    return this.read(() => this.laneList.filter((lane) => options.station === undefined || lane.station === options.station));
  }

  findLane(ref: RemoteLaneRef): Promise<FleetLane & { reachable: boolean }> {
    return this.read(() => {
      const mine = this.laneList.filter((lane) => lane.station === ref.station);
      const handle = ref.lane.startsWith('@') ? ref.lane : `@${ref.lane}`;
      const found = mine.filter((lane) => lane.laneId === ref.lane || lane.handle === handle);
      if (found.length > 1) throw new DispatchError('ambiguous', `'${ref.lane}@${ref.station}' matches ${found.length} lanes`);
      const [lane] = found;
      if (lane === undefined) throw new DispatchError('not_found', `no lane '${ref.lane}' on station ${ref.station}`);
      return lane;
    });
  }

  private append(station: string, lane: string, body: OutboxEntry['body'], idempotencyKey: string | null, source: string): OutboxEntry {
    const at = this.now().toISOString();
    const entry: OutboxEntry = { id: this.entries.length + 1, station, lane, body, idempotencyKey, source, mailId: null, receipt: null, state: 'queued', turnId: null, error: null, createdAt: at, updatedAt: at };
    this.entries.push(entry);
    return entry;
  }

  send(ref: RemoteLaneRef, message: { mode: DeliveryMode; text: string; idempotencyKey?: string; source: string }): OutboxEntry & { duplicate: boolean } {
    const body = { kind: 'send' as const, mode: message.mode, text: message.text };
    const earlier = message.idempotencyKey === undefined ? undefined : this.entries.find((entry) => entry.idempotencyKey === message.idempotencyKey);
    if (earlier) {
      if (earlier.station !== ref.station || earlier.lane !== ref.lane || JSON.stringify(earlier.body) !== JSON.stringify(body)) throw new DispatchError('conflict', `idempotency key '${message.idempotencyKey}' was used for a different message`);
      return { ...earlier, duplicate: true };
    }
    return { ...this.append(ref.station, ref.lane, body, message.idempotencyKey ?? null, message.source), duplicate: false };
  }

  respond(station: string, request: number, answer: { decision?: string; answer?: string[] }): OutboxEntry {
    return this.append(station, '', { kind: 'respond', request, ...answer }, null, 'op');
  }

  outbox(id: number): OutboxEntry | undefined {
    return this.entries.find((entry) => entry.id === id);
  }

  laneFacts(station: string, laneId: string, options: { since?: number; limit: number }): Promise<FleetFact[]> {
    return this.read(() => {
      const facts = this.facts.filter((fact) => fact.station === station && fact.laneId === laneId && (options.since === undefined || fact.seq > options.since));
      return options.since === undefined ? facts.slice(-options.limit) : facts.slice(0, options.limit);
    });
  }
}
