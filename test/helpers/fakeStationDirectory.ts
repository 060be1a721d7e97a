import { randomUUID } from 'node:crypto';
import { STATION_LEASE_MS, fleetSchemaTooNew, stationLeaseLost, stationNameTaken, type StationDirectory, type StationEntry, type StationInfo, type StationLease } from '../../src/core/stationDirectory.js';
import { LATEST_FLEET_SCHEMA_VERSION } from '../../src/fleet/schema.js';

interface StationRecord extends StationInfo {
  name: string;
  instanceId: string;
  startedAt: number;
  lastSeen: number;
  leaseExpiresAt: number;
}

/** The shared database the fake stations meet in: one per test, as a PostgreSQL database would be. */
export class FakeFleetDatabase {
  schemaVersion = 0;
  readonly stations = new Map<string, StationRecord>();
}

/** An in-memory StationDirectory for unit tests; passes the same conformance suite as fleet/'s. */
export class FakeStationDirectory implements StationDirectory {
  private readonly db: FakeFleetDatabase;
  private readonly leaseMs: number;

  private constructor(db: FakeFleetDatabase, leaseMs: number) {
    this.db = db;
    this.leaseMs = leaseMs;
  }

  static async open(db: FakeFleetDatabase, options: { leaseMs?: number } = {}): Promise<FakeStationDirectory> {
    if (db.schemaVersion > LATEST_FLEET_SCHEMA_VERSION) throw fleetSchemaTooNew(db.schemaVersion, LATEST_FLEET_SCHEMA_VERSION);
    db.schemaVersion = LATEST_FLEET_SCHEMA_VERSION;
    return new FakeStationDirectory(db, options.leaseMs ?? STATION_LEASE_MS);
  }

  async join(name: string, info: StationInfo): Promise<StationLease> {
    const now = Date.now();
    const holder = this.db.stations.get(name);
    if (holder !== undefined && holder.leaseExpiresAt > now) throw stationNameTaken(name, holder.host);
    const record: StationRecord = { name, ...info, instanceId: randomUUID(), startedAt: now, lastSeen: now, leaseExpiresAt: now + this.leaseMs };
    this.db.stations.set(name, record);
    return { name, instanceId: record.instanceId, expiresAt: new Date(record.leaseExpiresAt).toISOString() };
  }

  async heartbeat(lease: StationLease): Promise<StationLease> {
    const record = this.db.stations.get(lease.name);
    if (record?.instanceId !== lease.instanceId) throw stationLeaseLost(lease.name);
    record.lastSeen = Date.now();
    record.leaseExpiresAt = record.lastSeen + this.leaseMs;
    return { ...lease, expiresAt: new Date(record.leaseExpiresAt).toISOString() };
  }

  async leave(lease: StationLease): Promise<void> {
    if (this.db.stations.get(lease.name)?.instanceId === lease.instanceId) this.db.stations.delete(lease.name);
  }

  async list(): Promise<StationEntry[]> {
    const now = Date.now();
    return [...this.db.stations.values()]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((r) => ({
        name: r.name,
        host: r.host,
        version: r.version,
        mode: r.mode,
        instanceId: r.instanceId,
        startedAt: new Date(r.startedAt).toISOString(),
        lastSeen: new Date(r.lastSeen).toISOString(),
        leaseExpiresAt: new Date(r.leaseExpiresAt).toISOString(),
        state: r.leaseExpiresAt > now ? 'up' : 'unreachable',
      }));
  }

  async close(): Promise<void> {}
}
