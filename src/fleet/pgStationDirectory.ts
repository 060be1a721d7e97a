import { randomUUID } from 'node:crypto';
import { STATION_LEASE_MS, stationLeaseLost, stationNameTaken, type StationDirectory, type StationEntry, type StationInfo, type StationLease } from '../core/stationDirectory.js';
import { openFleetDb, type FleetDb } from './pgDb.js';
import type { FleetPoolOptions } from './pool.js';

export interface PgStationDirectoryOptions extends FleetPoolOptions {
  /** How long a lease lasts without a heartbeat (tests shorten it). */
  leaseMs?: number;
}

interface StationRow {
  name: string;
  host: string;
  version: string;
  mode: string;
  instance_id: string;
  started_at: Date;
  last_seen: Date;
  lease_expires_at: Date;
  live: boolean;
}

const COLUMNS = 'name, host, version, mode, instance_id, started_at, last_seen, lease_expires_at, lease_expires_at > now() AS live';

function entryOf(row: StationRow): StationEntry {
  return {
    name: row.name,
    host: row.host,
    version: row.version,
    mode: row.mode,
    instanceId: row.instance_id,
    startedAt: row.started_at.toISOString(),
    lastSeen: row.last_seen.toISOString(),
    leaseExpiresAt: row.lease_expires_at.toISOString(),
    state: row.live ? 'up' : 'unreachable',
  };
}

/** Opens the directory on its own pool, migrating the schema first (refusing a newer one). openPgFleet shares one pool instead. */
export async function openPgStationDirectory(url: string, options: PgStationDirectoryOptions = {}): Promise<StationDirectory> {
  return new PgStationDirectory(await openFleetDb(url, options.onError), options.leaseMs ?? STATION_LEASE_MS, true);
}

/**
 * The station directory in PostgreSQL. Lease times are the database's `now()`, never a station's
 * clock. A claim is one upsert that only overwrites a lapsed lease, so of two stations claiming a
 * name at once exactly one row wins (the loser's upsert re-reads the winner's live lease).
 */
export class PgStationDirectory implements StationDirectory {
  private readonly db: FleetDb;
  private readonly leaseMs: number;
  private readonly ownsPool: boolean;

  /** `ownsPool`: close() ends the pool (false when a PgFleet shares it and ends it itself). */
  constructor(db: FleetDb, leaseMs: number, ownsPool: boolean) {
    this.db = db;
    this.leaseMs = leaseMs;
    this.ownsPool = ownsPool;
  }

  async join(name: string, info: StationInfo): Promise<StationLease> {
    const instanceId = randomUUID();
    const claimed = await this.db.query<StationRow>(
      `INSERT INTO stations (name, host, version, mode, instance_id, started_at, last_seen, lease_expires_at)
       VALUES ($1, $2, $3, $4, $5, now(), now(), now() + $6::integer * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET host = EXCLUDED.host, version = EXCLUDED.version, mode = EXCLUDED.mode,
         instance_id = EXCLUDED.instance_id, started_at = EXCLUDED.started_at, last_seen = EXCLUDED.last_seen,
         lease_expires_at = EXCLUDED.lease_expires_at
       WHERE stations.lease_expires_at <= now()
       RETURNING ${COLUMNS}`,
      [name, info.host, info.version, info.mode, instanceId, this.leaseMs],
    );
    const row = claimed.rows[0];
    if (row !== undefined) return { name, instanceId, expiresAt: row.lease_expires_at.toISOString() };
    const holder = await this.db.query<{ host: string }>('SELECT host FROM stations WHERE name = $1', [name]);
    throw stationNameTaken(name, holder.rows[0]?.host ?? 'unknown');
  }

  async heartbeat(lease: StationLease): Promise<StationLease> {
    const renewed = await this.db.query<{ lease_expires_at: Date }>(
      `UPDATE stations SET last_seen = now(), lease_expires_at = now() + $3::integer * interval '1 millisecond'
       WHERE name = $1 AND instance_id = $2 RETURNING lease_expires_at`,
      [lease.name, lease.instanceId, this.leaseMs],
    );
    const row = renewed.rows[0];
    if (row === undefined) throw stationLeaseLost(lease.name);
    return { ...lease, expiresAt: row.lease_expires_at.toISOString() };
  }

  async leave(lease: StationLease): Promise<void> {
    await this.db.query('DELETE FROM stations WHERE name = $1 AND instance_id = $2', [lease.name, lease.instanceId]);
  }

  async list(): Promise<StationEntry[]> {
    const rows = await this.db.query<StationRow>(`SELECT ${COLUMNS} FROM stations ORDER BY name`);
    return rows.rows.map(entryOf);
  }

  async close(): Promise<void> {
    if (this.ownsPool) await this.db.pool.end();
  }
}
