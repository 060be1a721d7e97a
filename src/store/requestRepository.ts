import type Database from 'better-sqlite3';
import type { RequestPrompt, RequestState, ServerRequestRecord } from '../core/model.js';
import type { Clock, NewServerRequest, RequestOutcome, RequestRepository } from '../core/ports.js';
import { DispatchError } from '../shared/errors.js';
import { isoNow } from './rows.js';

interface RequestRow {
  id: number;
  generation: number;
  rpc_id: string;
  lane: string | null;
  method: string;
  kind: string;
  summary: string;
  state: RequestState;
  decision: string | null;
  decided_by: string | null;
  created_at: string;
  answered_at: string | null;
  error: string | null;
  prompt: string | null;
  answer: string | null;
}

const recordOf = (r: RequestRow): ServerRequestRecord => ({
  id: r.id,
  generation: r.generation,
  rpcId: r.rpc_id,
  lane: r.lane,
  method: r.method,
  kind: r.kind,
  summary: r.summary,
  state: r.state,
  decision: r.decision,
  decidedBy: r.decided_by,
  createdAt: r.created_at,
  answeredAt: r.answered_at,
  error: r.error,
  prompt: r.prompt === null ? null : (JSON.parse(r.prompt) as RequestPrompt),
  answer: r.answer === null ? null : (JSON.parse(r.answer) as Record<string, unknown>),
});

/** Server requests in `server_requests`; `settle` is the single atomic claim every answerer races for. */
export class SqliteRequestRepository implements RequestRepository {
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly insertRow: Database.Statement;
  private readonly byId: Database.Statement<[number], RequestRow>;
  private readonly settleRow: Database.Statement;
  private readonly stale: Database.Statement;

  constructor(db: Database.Database, clock: Clock) {
    this.db = db;
    this.clock = clock;
    this.insertRow = db.prepare(
      `INSERT INTO server_requests (generation, rpc_id, lane, method, kind, summary, prompt, state, created_at)
       VALUES (@generation, @rpcId, @lane, @method, @kind, @summary, @prompt, 'pending', @now)`,
    );
    this.byId = db.prepare('SELECT * FROM server_requests WHERE id = ?');
    this.settleRow = db.prepare(
      `UPDATE server_requests SET state = @state, decision = @decision, decided_by = @decidedBy, error = @error, answer = @answer, answered_at = @now
       WHERE id = @id AND state = 'pending'`,
    );
    this.stale = db.prepare(
      `UPDATE server_requests SET state = 'failed', error = @error, decided_by = 'restart', answered_at = @now WHERE state = 'pending' AND generation != @generation`,
    );
  }

  insert(request: NewServerRequest): ServerRequestRecord {
    const id = Number(this.insertRow.run({ ...request, prompt: request.prompt ? JSON.stringify(request.prompt) : null, now: isoNow(this.clock) }).lastInsertRowid);
    const row = this.byId.get(id);
    if (!row) throw new DispatchError('internal', `server request ${id} vanished after insert`);
    return recordOf(row);
  }

  find(id: number): ServerRequestRecord | undefined {
    const row = this.byId.get(id);
    return row ? recordOf(row) : undefined;
  }

  settle(id: number, to: Exclude<RequestState, 'pending'>, outcome: RequestOutcome): boolean {
    const answer = outcome.answer === undefined ? null : JSON.stringify(outcome.answer);
    return (
      this.settleRow.run({ id, state: to, decision: outcome.decision ?? null, decidedBy: outcome.decidedBy, error: outcome.error ?? null, answer, now: isoNow(this.clock) }).changes === 1
    );
  }

  list(options: { states?: readonly RequestState[]; lane?: string; limit?: number }): ServerRequestRecord[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (options.states && options.states.length > 0) {
      where.push(`state IN (${options.states.map(() => '?').join(', ')})`);
      params.push(...options.states);
    }
    if (options.lane !== undefined) {
      where.push('lane = ?');
      params.push(options.lane);
    }
    const sql = `SELECT * FROM server_requests${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.db.prepare(sql).all(...params, options.limit ?? -1) as RequestRow[]).map(recordOf);
  }

  failStale(generation: number, error: string): number {
    return this.stale.run({ generation, error, now: isoNow(this.clock) }).changes;
  }
}
