import type { StoredFact } from '../core/facts.js';
import type { FactStream, FleetFact } from '../core/fleet.js';
import { jsonParam, type FleetDb } from './pgDb.js';

/** NOTIFY channel for published facts (payload: the publishing station). */
export const FACTS_CHANNEL = 'dispatch_facts';

/** Facts per INSERT: a large backlog after a reconnect goes in bounded statements. */
const PUBLISH_BATCH = 500;

/** Each station's fact stream: the fact is kept whole (JSONB), with its seq, lane and type beside it for the queries. */
export class PgFactStream implements FactStream {
  private readonly db: FleetDb;

  constructor(db: FleetDb) {
    this.db = db;
  }

  async publishFacts(station: string, facts: readonly StoredFact[]): Promise<void> {
    if (facts.length === 0) return;
    for (let start = 0; start < facts.length; start += PUBLISH_BATCH) {
      const batch = facts.slice(start, start + PUBLISH_BATCH);
      await this.db.transaction(async (client) => {
        await client.query(
          `INSERT INTO facts (station, seq, lane_id, type, fact, at)
           SELECT $1, (f->>'seq')::bigint, f->>'laneId', f->>'type', f, (f->>'at')::timestamptz FROM jsonb_array_elements($2::jsonb) AS f
           ON CONFLICT (station, seq) DO NOTHING`,
          [station, jsonParam(batch)],
        );
        await client.query('SELECT pg_notify($1, $2)', [FACTS_CHANNEL, station]);
      });
    }
  }

  async latestFact(station: string): Promise<number> {
    const rows = await this.db.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM facts WHERE station = $1', [station]);
    return Number(rows.rows[0]?.seq ?? 0);
  }

  async factsSince(station: string, seq: number, options: { lanes?: readonly string[]; limit: number }): Promise<FleetFact[]> {
    const rows = await this.db.query<{ fact: StoredFact }>(
      'SELECT fact FROM facts WHERE station = $1 AND seq > $2 AND ($3::text[] IS NULL OR lane_id = ANY($3::text[])) ORDER BY seq LIMIT $4',
      [station, seq, options.lanes === undefined ? null : [...options.lanes], options.limit],
    );
    return rows.rows.map((r) => ({ ...r.fact, station }));
  }

  async pruneFacts(station: string, keep: number): Promise<number> {
    const deleted = await this.db.query(
      'DELETE FROM facts WHERE station = $1 AND seq <= (SELECT seq FROM facts WHERE station = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)',
      [station, keep],
    );
    return deleted.rowCount ?? 0;
  }
}
