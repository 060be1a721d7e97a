import type Database from 'better-sqlite3';
import type { Trigger, TriggerAction, TriggerGuard, TriggerWhen } from '../core/model.js';
import type { Clock, NewTrigger, TriggerRepository } from '../core/ports.js';
import { DispatchError } from '../shared/errors.js';
import { fromFlag, isoNow, isPrimaryKeyViolation, toFlag } from './rows.js';

interface TriggerRow {
  id: string;
  name: string;
  lane_id: string;
  when_spec: string;
  action_spec: string;
  guard_spec: string;
  enabled: number;
  created_at: string;
  last_fired_at: string | null;
  last_error: string | null;
  failure_count: number;
}

function triggerOf(row: TriggerRow): Trigger {
  return {
    id: row.id,
    name: row.name,
    lane: row.lane_id,
    when: JSON.parse(row.when_spec) as TriggerWhen,
    action: JSON.parse(row.action_spec) as TriggerAction,
    guard: JSON.parse(row.guard_spec) as TriggerGuard,
    enabled: fromFlag(row.enabled),
    createdAt: row.created_at,
    lastFiredAt: row.last_fired_at,
    lastError: row.last_error,
    failureCount: row.failure_count,
  };
}

/** Triggers in the `triggers` table; when/action/guard are stored as JSON. */
export class SqliteTriggerRepository implements TriggerRepository {
  private readonly clock: Clock;
  private readonly insertRow: Database.Statement<[string, string, string, string, string, string, number, string]>;
  private readonly byId: Database.Statement<[string], TriggerRow>;
  private readonly all: Database.Statement<[], TriggerRow>;
  private readonly enable: Database.Statement<[number, string]>;
  private readonly firedOk: Database.Statement<[string, string]>;
  private readonly firedFailed: Database.Statement<[string, string, string]>;
  private readonly deleteRow: Database.Statement<[string]>;

  constructor(db: Database.Database, clock: Clock) {
    this.clock = clock;
    this.insertRow = db.prepare(
      'INSERT INTO triggers (id, name, lane_id, when_spec, action_spec, guard_spec, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.byId = db.prepare('SELECT * FROM triggers WHERE id = ?');
    this.all = db.prepare('SELECT * FROM triggers ORDER BY created_at, id');
    this.enable = db.prepare('UPDATE triggers SET enabled = ? WHERE id = ?');
    this.firedOk = db.prepare('UPDATE triggers SET last_fired_at = ?, last_error = NULL, failure_count = 0 WHERE id = ?');
    this.firedFailed = db.prepare('UPDATE triggers SET last_fired_at = ?, last_error = ?, failure_count = failure_count + 1 WHERE id = ?');
    this.deleteRow = db.prepare('DELETE FROM triggers WHERE id = ?');
  }

  insert(trigger: NewTrigger): Trigger {
    try {
      this.insertRow.run(
        trigger.id,
        trigger.name,
        trigger.lane,
        JSON.stringify(trigger.when),
        JSON.stringify(trigger.action),
        JSON.stringify(trigger.guard),
        toFlag(trigger.enabled),
        isoNow(this.clock),
      );
    } catch (error) {
      if (isPrimaryKeyViolation(error)) throw new DispatchError('conflict', `trigger '${trigger.id}' already exists`, { cause: error });
      throw error;
    }
    return this.get(trigger.id);
  }

  find(id: string): Trigger | undefined {
    const row = this.byId.get(id);
    return row ? triggerOf(row) : undefined;
  }

  list(): Trigger[] {
    return this.all.all().map(triggerOf);
  }

  setEnabled(id: string, enabled: boolean): Trigger | undefined {
    if (this.enable.run(toFlag(enabled), id).changes === 0) return undefined;
    return this.find(id);
  }

  markFired(id: string, at: string, error: string | null = null): void {
    if (error === null) this.firedOk.run(at, id);
    else this.firedFailed.run(at, error, id);
  }

  remove(id: string): boolean {
    return this.deleteRow.run(id).changes === 1;
  }

  private get(id: string): Trigger {
    const trigger = this.find(id);
    if (!trigger) throw new DispatchError('not_found', `no trigger '${id}'`);
    return trigger;
  }
}
