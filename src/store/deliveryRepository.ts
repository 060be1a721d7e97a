import type Database from 'better-sqlite3';
import type { Delivery, DeliveryMode, DeliveryState } from '../core/model.js';
import type { Clock, DeliveryRepository, NewDelivery } from '../core/ports.js';
import { DispatchError } from '../shared/errors.js';
import { isoNow, isUniqueViolation } from './rows.js';

interface DeliveryRow {
  id: number;
  lane: string;
  mode: DeliveryMode;
  source: string;
  text: string;
  idempotency_key: string | null;
  client_message_id: string;
  state: DeliveryState;
  turn_id: string | null;
  error: string | null;
  note: string | null;
  held: string | null;
  created_at: string;
  updated_at: string;
}

const deliveryOf = (r: DeliveryRow): Delivery => ({
  id: r.id,
  lane: r.lane,
  mode: r.mode,
  source: r.source,
  text: r.text,
  idempotencyKey: r.idempotency_key,
  clientMessageId: r.client_message_id,
  state: r.state,
  turnId: r.turn_id,
  error: r.error,
  note: r.note,
  held: r.held,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

type TransitionPatch = { turnId?: string | null; error?: string | null; note?: string | null };

interface TransitionParams {
  id: number;
  from: string;
  to: DeliveryState;
  now: string;
  setTurnId: number;
  turnId: string | null;
  setError: number;
  error: string | null;
  setNote: number;
  note: string | null;
}

/** `list` filters; states travel as a JSON array so one prepared statement serves any set. */
interface ListParams {
  lane?: string;
  states?: string;
  limit: number;
}

/** States that hold a lane's queue: a submission in flight, or one nobody has settled. */
const BLOCKING_STATES = "('submitting', 'ambiguous')";

/** SQLite reads LIMIT -1 as "no limit". */
const NO_LIMIT = -1;

/** The delivery ledger in `deliveries`; ids are AUTOINCREMENT receipts, never reused. */
export class SqliteDeliveryRepository implements DeliveryRepository {
  private readonly clock: Clock;
  private readonly insertRow: Database.Statement<[Record<string, string | null>]>;
  private readonly byId: Database.Statement<[number], DeliveryRow>;
  private readonly byKey: Database.Statement<[string], DeliveryRow>;
  private readonly byTurn: Database.Statement<[string, string], DeliveryRow>;
  private readonly next: Database.Statement<[string], DeliveryRow>;
  private readonly holding: Database.Statement<[string], DeliveryRow>;
  private readonly move: Database.Statement<[TransitionParams]>;
  private readonly listAll: Database.Statement<[ListParams], DeliveryRow>;
  private readonly listLane: Database.Statement<[ListParams], DeliveryRow>;
  private readonly listStates: Database.Statement<[ListParams], DeliveryRow>;
  private readonly listLaneStates: Database.Statement<[ListParams], DeliveryRow>;
  private readonly countAll: Database.Statement<[], { state: DeliveryState; n: number }>;
  private readonly countLane: Database.Statement<[string], { state: DeliveryState; n: number }>;
  private readonly bySource: Database.Statement<[string], DeliveryRow>;
  private readonly setHeld: Database.Statement<[{ id: number; held: string | null; now: string }]>;

  constructor(db: Database.Database, clock: Clock) {
    this.clock = clock;
    this.insertRow = db.prepare(
      `INSERT INTO deliveries (lane, mode, source, text, idempotency_key, client_message_id, state, created_at, updated_at)
       VALUES (@lane, @mode, @source, @text, @idempotencyKey, @clientMessageId, @state, @now, @now)`,
    );
    this.byId = db.prepare('SELECT * FROM deliveries WHERE id = ?');
    this.byKey = db.prepare('SELECT * FROM deliveries WHERE idempotency_key = ?');
    this.byTurn = db.prepare('SELECT * FROM deliveries WHERE lane = ? AND turn_id = ? ORDER BY id');
    this.next = db.prepare("SELECT * FROM deliveries WHERE lane = ? AND state = 'queued' ORDER BY id LIMIT 1");
    this.holding = db.prepare(`SELECT * FROM deliveries WHERE lane = ? AND state IN ${BLOCKING_STATES} ORDER BY id LIMIT 1`);
    // A compare-and-set on state; each patch column is written only when its key was given.
    this.move = db.prepare(
      `UPDATE deliveries SET
         state = @to,
         updated_at = @now,
         turn_id = CASE WHEN @setTurnId THEN @turnId ELSE turn_id END,
         error = CASE WHEN @setError THEN @error ELSE error END,
         note = CASE WHEN @setNote THEN @note ELSE note END,
         held = NULL
       WHERE id = @id AND state IN (SELECT value FROM json_each(@from))`,
    );
    const inStates = 'state IN (SELECT value FROM json_each(@states))';
    // A limit keeps the newest receipts (what a person looks for), listed oldest first.
    const newest = (where: string): string => `SELECT * FROM (SELECT * FROM deliveries ${where} ORDER BY id DESC LIMIT @limit) ORDER BY id`;
    this.listAll = db.prepare(newest(''));
    this.listLane = db.prepare(newest('WHERE lane = @lane'));
    this.listStates = db.prepare(newest(`WHERE ${inStates}`));
    this.listLaneStates = db.prepare(newest(`WHERE lane = @lane AND ${inStates}`));
    this.countAll = db.prepare('SELECT state, count(*) AS n FROM deliveries GROUP BY state');
    this.countLane = db.prepare('SELECT state, count(*) AS n FROM deliveries WHERE lane = ? GROUP BY state');
    this.bySource = db.prepare('SELECT * FROM deliveries WHERE source = ? ORDER BY id DESC LIMIT 1');
    this.setHeld = db.prepare("UPDATE deliveries SET held = @held, updated_at = @now WHERE id = @id AND state = 'queued' AND held IS NOT @held");
  }

  /** Sets (or clears, null) why a queued delivery is held; false when it is not queued or already says so. */
  hold(id: number, reason: string | null): boolean {
    return this.setHeld.run({ id, held: reason, now: isoNow(this.clock) }).changes === 1;
  }

  insert(delivery: NewDelivery): Delivery {
    let id: number;
    try {
      id = Number(
        this.insertRow.run({
          lane: delivery.lane,
          mode: delivery.mode,
          source: delivery.source,
          text: delivery.text,
          idempotencyKey: delivery.idempotencyKey ?? null,
          clientMessageId: delivery.clientMessageId,
          state: delivery.state,
          now: isoNow(this.clock),
        }).lastInsertRowid,
      );
    } catch (error) {
      // core looks the key up first; this only fires when two writers race on one key.
      if (isUniqueViolation(error) && delivery.idempotencyKey !== undefined) {
        const existing = this.findByKey(delivery.idempotencyKey);
        throw new DispatchError('conflict', `idempotency key '${delivery.idempotencyKey}' is already used${existing ? ` (receipt ${existing.id})` : ''}`, {
          cause: error,
          ...(existing ? { data: { receipt: existing.id } } : {}),
        });
      }
      throw error;
    }
    const created = this.find(id);
    if (!created) throw new DispatchError('internal', `receipt ${id} vanished after insert`);
    return created;
  }

  find(id: number): Delivery | undefined {
    const row = this.byId.get(id);
    return row ? deliveryOf(row) : undefined;
  }

  findByKey(idempotencyKey: string): Delivery | undefined {
    const row = this.byKey.get(idempotencyKey);
    return row ? deliveryOf(row) : undefined;
  }

  findByTurn(lane: string, turnId: string): Delivery[] {
    return this.byTurn.all(lane, turnId).map(deliveryOf);
  }

  nextQueued(lane: string): Delivery | undefined {
    const row = this.next.get(lane);
    return row ? deliveryOf(row) : undefined;
  }

  /** The lane's oldest submitting or ambiguous delivery. */
  blocking(lane: string): Delivery | undefined {
    const row = this.holding.get(lane);
    return row ? deliveryOf(row) : undefined;
  }

  /**
   * Moves the delivery to `to` only when its state is one of `from` (an empty `from` never
   * matches); a move ends any hold. Patch keys follow the lane rule: absent or undefined leaves the column, null clears it.
   */
  transition(id: number, from: readonly DeliveryState[], to: DeliveryState, patch: TransitionPatch = {}): boolean {
    const params: TransitionParams = {
      id,
      from: JSON.stringify(from),
      to,
      now: isoNow(this.clock),
      setTurnId: patch.turnId === undefined ? 0 : 1,
      turnId: patch.turnId ?? null,
      setError: patch.error === undefined ? 0 : 1,
      error: patch.error ?? null,
      setNote: patch.note === undefined ? 0 : 1,
      note: patch.note ?? null,
    };
    return this.move.run(params).changes === 1;
  }

  /**
   * Deliveries ordered by id (oldest first, queue order); `limit` keeps the first N. `states` is an
   * allow-list, so an empty array matches nothing.
   */
  list(options: { lane?: string; states?: readonly DeliveryState[]; limit?: number }): Delivery[] {
    const { lane, states, limit } = options;
    const params: ListParams = { limit: limit === undefined ? NO_LIMIT : Math.max(0, Math.floor(limit)) };
    if (lane !== undefined) params.lane = lane;
    if (states !== undefined) params.states = JSON.stringify(states);
    const statement =
      lane === undefined
        ? states === undefined
          ? this.listAll
          : this.listStates
        : states === undefined
          ? this.listLane
          : this.listLaneStates;
    return statement.all(params).map(deliveryOf);
  }

  /** Counts per state (of one lane, or all); states with no deliveries are absent. */
  countByState(lane?: string): Partial<Record<DeliveryState, number>> {
    const rows = lane === undefined ? this.countAll.all() : this.countLane.all(lane);
    const counts: Partial<Record<DeliveryState, number>> = {};
    for (const row of rows) counts[row.state] = row.n;
    return counts;
  }

  /** The newest delivery from one source (`trigger:<id>`, …). */
  latestBySource(source: string): Delivery | undefined {
    const row = this.bySource.get(source);
    return row ? deliveryOf(row) : undefined;
  }
}
