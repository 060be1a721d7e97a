import type Database from 'better-sqlite3';
import type { TokenCounts } from '../core/laneEvents.js';
import type { TurnUsage, UsageGrouping, UsageRepository, UsageTotals } from '../core/ports.js';

interface UsageRow {
  lane: string;
  turn_id: string;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  total_tokens: number;
  thread_total: string;
  model: string | null;
  context_window: number | null;
  at: string;
  seq: number;
}

interface TotalsRow {
  key: string;
  input: number;
  cached_input: number;
  output: number;
  reasoning: number;
  total: number;
  turns: number;
}

const usageOf = (r: UsageRow): TurnUsage => ({
  lane: r.lane,
  turnId: r.turn_id,
  tokens: { input: r.input_tokens, cachedInput: r.cached_input_tokens, output: r.output_tokens, reasoning: r.reasoning_tokens, total: r.total_tokens },
  threadTotal: JSON.parse(r.thread_total) as TokenCounts,
  model: r.model,
  contextWindow: r.context_window,
  at: r.at,
  seq: r.seq,
});

const GROUP_KEY: Record<UsageGrouping, string> = { day: 'substr(at, 1, 10)', lane: 'lane' };

/** Turn usage in `turn_usage`: one row per (lane, turn), never pruned with the fact log. */
export class SqliteUsageRepository implements UsageRepository {
  private readonly db: Database.Database;
  private readonly upsert: Database.Statement;
  private readonly byTurn: Database.Statement<[string, string], UsageRow>;
  private readonly latestOfLane: Database.Statement<[string], UsageRow>;
  private readonly summaries = new Map<string, Database.Statement<[{ since: string | null; lanes: string | null }], TotalsRow>>();

  constructor(db: Database.Database) {
    this.db = db;
    this.upsert = db.prepare(`
      INSERT INTO turn_usage (lane, turn_id, input_tokens, cached_input_tokens, output_tokens, reasoning_tokens, total_tokens, thread_total, model, context_window, at, seq)
      VALUES (@lane, @turnId, @input, @cachedInput, @output, @reasoning, @total, @threadTotal, @model, @contextWindow, @at, @seq)
      ON CONFLICT (lane, turn_id) DO UPDATE SET
        input_tokens = excluded.input_tokens, cached_input_tokens = excluded.cached_input_tokens, output_tokens = excluded.output_tokens,
        reasoning_tokens = excluded.reasoning_tokens, total_tokens = excluded.total_tokens, thread_total = excluded.thread_total,
        model = excluded.model, context_window = excluded.context_window, at = excluded.at, seq = excluded.seq`);
    this.byTurn = db.prepare('SELECT * FROM turn_usage WHERE lane = ? AND turn_id = ?');
    this.latestOfLane = db.prepare('SELECT * FROM turn_usage WHERE lane = ? ORDER BY seq DESC LIMIT 1');
  }

  put(usage: TurnUsage): void {
    this.upsert.run({
      lane: usage.lane,
      turnId: usage.turnId,
      ...usage.tokens,
      threadTotal: JSON.stringify(usage.threadTotal),
      model: usage.model,
      contextWindow: usage.contextWindow,
      at: usage.at,
      seq: usage.seq,
    });
  }

  find(lane: string, turnId: string): TurnUsage | undefined {
    const row = this.byTurn.get(lane, turnId);
    return row && usageOf(row);
  }

  latest(lane: string): TurnUsage | undefined {
    const row = this.latestOfLane.get(lane);
    return row && usageOf(row);
  }

  summarize(options: { by: UsageGrouping; since?: string; lanes?: readonly string[] }): Array<UsageTotals & { key: string }> {
    const rows = this.summary(options.by).all({ since: options.since ?? null, lanes: options.lanes ? JSON.stringify(options.lanes) : null });
    return rows.map((r) => ({ key: r.key, input: r.input, cachedInput: r.cached_input, output: r.output, reasoning: r.reasoning, total: r.total, turns: r.turns }));
  }

  /** One prepared statement per grouping; lanes travel as a JSON array so one statement serves any set. */
  private summary(by: UsageGrouping): Database.Statement<[{ since: string | null; lanes: string | null }], TotalsRow> {
    let statement = this.summaries.get(by);
    if (!statement) {
      const key = GROUP_KEY[by];
      statement = this.db.prepare(`
        SELECT ${key} AS key, sum(input_tokens) AS input, sum(cached_input_tokens) AS cached_input, sum(output_tokens) AS output,
          sum(reasoning_tokens) AS reasoning, sum(total_tokens) AS total, count(*) AS turns
        FROM turn_usage
        WHERE (@since IS NULL OR at >= @since) AND (@lanes IS NULL OR lane IN (SELECT value FROM json_each(@lanes)))
        GROUP BY ${key} ORDER BY ${key}`);
      this.summaries.set(by, statement);
    }
    return statement;
  }
}
