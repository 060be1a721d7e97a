import type { FleetLane, FleetRequest, LaneDirectory } from '../core/fleet.js';
import type { Attention, LaneState } from '../core/model.js';
import { jsonParam, type FleetDb, type Queryable } from './pgDb.js';

interface LaneRow {
  station: string;
  lane_id: string;
  handle: string;
  status: LaneState;
  attention: Attention;
  cwd: string | null;
  active_turn_id: string | null;
  last_agent_message: string | null;
  pending_requests: FleetRequest[];
  updated_at: string;
}

function laneOf(row: LaneRow): FleetLane {
  return {
    station: row.station,
    laneId: row.lane_id,
    handle: row.handle,
    status: row.status,
    attention: row.attention,
    cwd: row.cwd,
    activeTurnId: row.active_turn_id,
    lastAgentMessage: row.last_agent_message,
    pendingRequests: row.pending_requests,
    updatedAt: row.updated_at,
  };
}

/** One upsert of many lanes: they travel as one JSON array, so a station's sync is one statement. */
async function upsert(client: Queryable, station: string, lanes: readonly FleetLane[]): Promise<void> {
  if (lanes.length === 0) return;
  await client.query(
    `INSERT INTO lanes (station, lane_id, handle, status, attention, cwd, active_turn_id, last_agent_message, pending_requests, updated_at)
     SELECT $1, l."laneId", l.handle, l.status, l.attention, l.cwd, l."activeTurnId", l."lastAgentMessage", coalesce(l."pendingRequests", '[]'), l."updatedAt"
     FROM jsonb_to_recordset($2::jsonb) AS l("laneId" text, handle text, status text, attention text, cwd text, "activeTurnId" text,
       "lastAgentMessage" text, "pendingRequests" jsonb, "updatedAt" text)
     ON CONFLICT (station, lane_id) DO UPDATE SET handle = EXCLUDED.handle, status = EXCLUDED.status, attention = EXCLUDED.attention,
       cwd = EXCLUDED.cwd, active_turn_id = EXCLUDED.active_turn_id, last_agent_message = EXCLUDED.last_agent_message,
       pending_requests = EXCLUDED.pending_requests, updated_at = EXCLUDED.updated_at`,
    [station, jsonParam(lanes)],
  );
}

/** Each station's published lanes; only that station writes its rows. */
export class PgLaneDirectory implements LaneDirectory {
  private readonly db: FleetDb;

  constructor(db: FleetDb) {
    this.db = db;
  }

  async publishLanes(station: string, lanes: readonly FleetLane[]): Promise<void> {
    await upsert(this.db, station, lanes);
  }

  async replaceLanes(station: string, lanes: readonly FleetLane[]): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query('DELETE FROM lanes WHERE station = $1 AND NOT (lane_id = ANY($2::text[]))', [station, lanes.map((l) => l.laneId)]);
      await upsert(client, station, lanes);
    });
  }

  async removeLanes(station: string, laneIds: readonly string[]): Promise<void> {
    if (laneIds.length === 0) return;
    await this.db.query('DELETE FROM lanes WHERE station = $1 AND lane_id = ANY($2::text[])', [station, [...laneIds]]);
  }

  async listLanes(options: { station?: string } = {}): Promise<FleetLane[]> {
    // "C": code-point order whatever the database's collation, as every implementation sorts.
    const rows = await this.db.query<LaneRow>(
      `SELECT * FROM lanes WHERE ($1::text IS NULL OR station = $1) ORDER BY station COLLATE "C", handle COLLATE "C", lane_id COLLATE "C"`,
      [options.station ?? null],
    );
    return rows.rows.map(laneOf);
  }
}
