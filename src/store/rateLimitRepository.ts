import type Database from 'better-sqlite3';
import type { RateLimitObservation, RateLimitRepository, RateLimitWindowRow } from '../core/ports.js';

interface WindowRow {
  name: 'primary' | 'secondary';
  used_percent: number;
  window_minutes: number | null;
  resets_at: string | null;
  observed_at: string;
}

/** The account's latest rate-limit windows in `rate_limit_windows`: one row per window, replaced as codex reports it. */
export class SqliteRateLimitRepository implements RateLimitRepository {
  private readonly upsert: Database.Statement<[WindowRow]>;
  private readonly all: Database.Statement<[], WindowRow>;

  constructor(db: Database.Database) {
    this.upsert = db.prepare(
      `INSERT INTO rate_limit_windows (name, used_percent, window_minutes, resets_at, observed_at)
       VALUES (@name, @used_percent, @window_minutes, @resets_at, @observed_at)
       ON CONFLICT (name) DO UPDATE SET used_percent = excluded.used_percent, window_minutes = excluded.window_minutes,
         resets_at = excluded.resets_at, observed_at = excluded.observed_at`,
    );
    this.all = db.prepare('SELECT * FROM rate_limit_windows ORDER BY name');
  }

  record(windows: readonly RateLimitObservation[], observedAt: string): void {
    for (const w of windows) {
      this.upsert.run({ name: w.window, used_percent: w.usedPercent, window_minutes: w.windowMinutes, resets_at: w.resetsAt, observed_at: observedAt });
    }
  }

  current(): RateLimitWindowRow[] {
    return this.all.all().map((r) => ({ window: r.name, used_percent: r.used_percent, window_minutes: r.window_minutes, resets_at: r.resets_at, observed_at: r.observed_at }));
  }
}
