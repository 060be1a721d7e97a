import type Database from 'better-sqlite3';
import type { Fact, FactType, StoredFact } from '../core/facts.js';
import { SETTLED_DELIVERY_STATES } from '../core/model.js';
import type { FactRepository, FactRetention } from '../core/ports.js';

interface FactRow {
  seq: number;
  at: string;
  data: string;
}

const DAY_MS = 86_400_000;

/** Receipts not yet settled still point at the facts about them; so do requests still waiting. */
const NEEDED_SINCE = `
  SELECT min(created_at) AS since FROM (
    SELECT min(created_at) AS created_at FROM deliveries WHERE state NOT IN (SELECT value FROM json_each(@settled))
    UNION ALL
    SELECT min(created_at) FROM server_requests WHERE state = 'pending'
  )`;

/** The `facts` table: one row per fact, its body as JSON, its lane and type as columns to filter on. */
export class SqliteFactRepository implements FactRepository {
  private readonly insertRow: Database.Statement<[string, string, string, string]>;
  private readonly after: Database.Statement<[number, number], FactRow>;
  private readonly afterForLanes: Database.Statement<[number, string, number], FactRow>;
  private readonly oldest: Database.Statement<[], { seq: number | null }>;
  private readonly latest: Database.Statement<[], { seq: number }>;
  private readonly latestOfLaneType: Database.Statement<[string, string], FactRow>;
  private readonly neededSince: Database.Statement<[{ settled: string }], { since: string | null }>;
  private readonly pruneBefore: Database.Statement<[{ keepFrom: number; ageCutoff: string; neededSince: string | null }]>;

  constructor(db: Database.Database) {
    // Positional parameters: binding by name costs a lookup per column, on the hottest insert.
    this.insertRow = db.prepare('INSERT INTO facts (at, lane, type, data) VALUES (?, ?, ?, ?)');
    this.after = db.prepare('SELECT seq, at, data FROM facts WHERE seq > ? ORDER BY seq LIMIT ?');
    // Lanes travel as a JSON array so one prepared statement serves any set.
    this.afterForLanes = db.prepare('SELECT seq, at, data FROM facts WHERE seq > ? AND lane IN (SELECT value FROM json_each(?)) ORDER BY seq LIMIT ?');
    this.oldest = db.prepare('SELECT min(seq) AS seq FROM facts');
    // Walks the (lane, seq) index backwards: a lane's latest fact of a frequent type is near its end.
    this.latestOfLaneType = db.prepare('SELECT seq, at, data FROM facts WHERE lane = ? AND type = ? ORDER BY seq DESC LIMIT 1');
    this.latest = db.prepare("SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'facts'), 0) AS seq");
    this.neededSince = db.prepare(NEEDED_SINCE);
    this.pruneBefore = db.prepare(
      `DELETE FROM facts WHERE (seq < @keepFrom OR at < @ageCutoff) AND (@neededSince IS NULL OR at < @neededSince)`,
    );
  }

  append(fact: Fact, at: string): number {
    return Number(this.insertRow.run(at, fact.laneId, fact.type, JSON.stringify(fact)).lastInsertRowid);
  }

  since(seq: number, options: { lanes?: readonly string[]; limit: number }): StoredFact[] {
    const rows = options.lanes ? this.afterForLanes.all(seq, JSON.stringify(options.lanes), options.limit) : this.after.all(seq, options.limit);
    return rows.map((row) => ({ ...(JSON.parse(row.data) as Fact), seq: row.seq, at: row.at }));
  }

  latestOfType(lane: string, type: FactType): StoredFact | undefined {
    const row = this.latestOfLaneType.get(lane, type);
    return row && { ...(JSON.parse(row.data) as Fact), seq: row.seq, at: row.at };
  }

  bounds(): { oldest: number | null; latest: number } {
    return { oldest: this.oldest.get()?.seq ?? null, latest: this.latest.get()?.seq ?? 0 };
  }

  prune(retention: FactRetention, now: Date): number {
    const { latest } = this.bounds();
    return this.pruneBefore.run({
      keepFrom: latest - retention.keep + 1,
      ageCutoff: new Date(now.getTime() - retention.maxAgeDays * DAY_MS).toISOString(),
      neededSince: this.neededSince.get({ settled: JSON.stringify(SETTLED_DELIVERY_STATES) })?.since ?? null,
    }).changes;
  }
}
