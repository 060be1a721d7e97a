/** One step of the registry schema; `version` is what `PRAGMA user_version` holds once it has run. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The schema history, append-only and ordered: a shipped migration is never edited, a change is
 * a new entry with the next version. Registries written by an older dispatch replay the tail.
 */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'lanes, audit log, triggers, queued messages',
    sql: `
      CREATE TABLE lanes (
        id TEXT PRIMARY KEY,
        handle TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('own', 'attached')),
        cwd TEXT,
        status TEXT NOT NULL,
        active_turn_id TEXT,
        settings TEXT NOT NULL,
        ephemeral INTEGER NOT NULL DEFAULT 0,
        latest_turn TEXT,
        last_agent_message TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        last_event_at TEXT
      );
      CREATE UNIQUE INDEX lanes_handle ON lanes (handle);

      -- AUTOINCREMENT (not plain rowid) so an id is never handed out twice, even after deletes.
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ts TEXT NOT NULL,
        op TEXT NOT NULL,
        lane TEXT,
        trigger_id TEXT,
        detail TEXT,
        outcome TEXT NOT NULL DEFAULT 'ok'
      );
      CREATE INDEX audit_log_lane ON audit_log (lane, id);

      CREATE TABLE triggers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        lane_selector TEXT NOT NULL,
        when_spec TEXT NOT NULL,
        action_spec TEXT NOT NULL,
        guard_spec TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        created_at TEXT NOT NULL,
        last_fired_at TEXT
      );

      CREATE TABLE queued_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        lane TEXT NOT NULL,
        text TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'error', 'cancelled')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        error TEXT
      );
      CREATE INDEX queued_messages_lane ON queued_messages (lane, status, id);
    `,
  },
];

/** The newest schema version this build knows; a registry above it was written by a newer dispatch. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
