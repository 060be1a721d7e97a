/**
 * SQL for the id of the one lane a stored selector named, or NULL: the lane resolution of
 * dispatch 0.x (core/lanes.ts resolveLane) as it stood when triggers stored selectors — id, handle
 * (the @ optional), the name after a `[repo] ` prefix when unique, a unique id prefix of 4+ characters.
 */
function laneIdOf(selector: string): string {
  const bare = `(CASE WHEN substr(${selector}, 1, 1) = '@' THEN substr(${selector}, 2) ELSE ${selector} END)`;
  const byBareName = `FROM lanes WHERE substr(handle, 1, 2) = '@[' AND instr(handle, ']') > 0 AND substr(handle, instr(handle, ']') + 1, 1) = ' ' AND substr(handle, instr(handle, ']') + 2) = ${bare}`;
  return `COALESCE(
    (SELECT id FROM lanes WHERE id = ${selector}),
    (SELECT id FROM lanes WHERE handle = CASE WHEN substr(${selector}, 1, 1) = '@' THEN ${selector} ELSE '@' || ${selector} END),
    (SELECT CASE WHEN count(*) = 1 THEN max(id) END ${byBareName}),
    (SELECT CASE WHEN count(*) = 1 THEN max(id) END FROM lanes
      WHERE length(${selector}) >= 4 AND substr(${selector}, 1, 1) <> '@' AND substr(id, 1, length(${selector})) = ${selector}
        AND (SELECT count(*) ${byBareName}) = 0)
  )`;
}

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
  {
    version: 2,
    name: 'delivery ledger replaces the message queue',
    sql: `
      CREATE TABLE deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        lane TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('send', 'steer', 'queue', 'interject', 'context')),
        source TEXT NOT NULL,
        text TEXT NOT NULL,
        idempotency_key TEXT,
        client_message_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'submitting', 'accepted', 'completed', 'failed', 'ambiguous', 'cancelled')),
        turn_id TEXT,
        error TEXT,
        note TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX deliveries_idempotency_key ON deliveries (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX deliveries_lane_state ON deliveries (lane, state, id);
      CREATE INDEX deliveries_state ON deliveries (state, id);
      CREATE INDEX deliveries_turn ON deliveries (lane, turn_id) WHERE turn_id IS NOT NULL;

      -- Queued messages become receipts with the same ids, and the id high-water mark carries over
      -- so a receipt number is never one an old queued message already had.
      INSERT INTO sqlite_sequence (name, seq) SELECT 'deliveries', seq FROM sqlite_sequence WHERE name = 'queued_messages';
      INSERT INTO deliveries (id, lane, mode, source, text, client_message_id, state, error, note, created_at, updated_at)
        SELECT id, lane, 'queue', 'op', text, lower(hex(randomblob(16))),
          CASE status
            WHEN 'pending' THEN 'queued'
            WHEN 'sending' THEN 'ambiguous'
            WHEN 'sent' THEN 'completed'
            WHEN 'error' THEN 'failed'
            ELSE 'cancelled'
          END,
          error,
          CASE status
            WHEN 'sending' THEN 'migrated from the message queue while sending; not re-sent'
            WHEN 'sent' THEN 'migrated from the message queue after it was sent'
          END,
          created_at, updated_at
        FROM queued_messages ORDER BY id;
      DROP TABLE queued_messages;
    `,
  },
  {
    version: 3,
    name: 'index deliveries by source (trigger dedupe)',
    sql: `CREATE INDEX deliveries_source ON deliveries (source, id);`,
  },
  {
    version: 4,
    name: 'server requests (approvals) answered exactly once',
    sql: `
      CREATE TABLE server_requests (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        generation INTEGER NOT NULL,
        rpc_id TEXT NOT NULL,
        lane TEXT,
        method TEXT NOT NULL,
        kind TEXT NOT NULL,
        summary TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('pending', 'answered', 'expired', 'failed')),
        decision TEXT,
        decided_by TEXT,
        created_at TEXT NOT NULL,
        answered_at TEXT,
        error TEXT
      );
      CREATE INDEX server_requests_state ON server_requests (state, id);
    `,
  },
  {
    version: 5,
    name: 'inbox for subscriptions',
    sql: `
      CREATE TABLE inbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        lane TEXT NOT NULL,
        event TEXT NOT NULL,
        text TEXT NOT NULL,
        trigger_id TEXT,
        created_at TEXT NOT NULL,
        read_at TEXT,
        acked_at TEXT
      );
      CREATE INDEX inbox_unacked ON inbox (acked_at, id);
    `,
  },
  {
    version: 6,
    name: 'triggers bound to lane ids, with their firing failures',
    sql: `
      ALTER TABLE triggers ADD COLUMN last_error TEXT;
      ALTER TABLE triggers ADD COLUMN failure_count INTEGER NOT NULL DEFAULT 0;
      -- A selector that names no single lane any more cannot be bound: the trigger is paused and says why.
      UPDATE triggers SET enabled = 0, last_error = 'lane ''' || lane_selector || ''' named no single lane when triggers were bound to lane ids'
        WHERE ${laneIdOf('lane_selector')} IS NULL;
      UPDATE triggers SET enabled = 0, last_error = 'target ''' || json_extract(action_spec, '$.target') || ''' named no single lane when triggers were bound to lane ids'
        WHERE json_extract(action_spec, '$.target') IS NOT NULL AND ${laneIdOf("json_extract(action_spec, '$.target')")} IS NULL;
      UPDATE triggers SET lane_selector = ${laneIdOf('lane_selector')} WHERE ${laneIdOf('lane_selector')} IS NOT NULL;
      UPDATE triggers SET action_spec = json_set(action_spec, '$.target', ${laneIdOf("json_extract(action_spec, '$.target')")})
        WHERE json_extract(action_spec, '$.target') IS NOT NULL AND ${laneIdOf("json_extract(action_spec, '$.target')")} IS NOT NULL;
      ALTER TABLE triggers RENAME COLUMN lane_selector TO lane_id;
    `,
  },
  {
    version: 7,
    name: 'server requests keep their question (user input, elicitation) and its answer',
    sql: `
      ALTER TABLE server_requests ADD COLUMN prompt TEXT;
      ALTER TABLE server_requests ADD COLUMN answer TEXT;
    `,
  },
  {
    version: 8,
    name: 'the fact log, and lane attention folded from it',
    sql: `
      -- Append-only; AUTOINCREMENT so a sequence number is never reused, even after pruning.
      CREATE TABLE facts (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        lane TEXT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL
      );
      CREATE INDEX facts_lane ON facts (lane, seq);
      CREATE INDEX facts_at ON facts (at);
      ALTER TABLE lanes ADD COLUMN attention TEXT NOT NULL DEFAULT 'idle';
      UPDATE lanes SET attention = CASE status
        WHEN 'busy' THEN 'working' WHEN 'waiting_approval' THEN 'needs-you' WHEN 'error' THEN 'failed' ELSE 'idle' END;
    `,
  },
  {
    version: 9,
    name: "receipts can be 'interrupted' (the message reached the thread, its turn died)",
    sql: `
      -- A CHECK cannot be altered in SQLite: the table is rebuilt, keeping ids and the id high-water mark.
      CREATE TABLE deliveries_next (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        lane TEXT NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('send', 'steer', 'queue', 'interject', 'context')),
        source TEXT NOT NULL,
        text TEXT NOT NULL,
        idempotency_key TEXT,
        client_message_id TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'submitting', 'accepted', 'completed', 'interrupted', 'failed', 'ambiguous', 'cancelled')),
        turn_id TEXT,
        error TEXT,
        note TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      INSERT INTO sqlite_sequence (name, seq) SELECT 'deliveries_next', seq FROM sqlite_sequence WHERE name = 'deliveries';
      INSERT INTO deliveries_next SELECT id, lane, mode, source, text, idempotency_key, client_message_id, state, turn_id, error, note, created_at, updated_at
        FROM deliveries ORDER BY id;
      DROP TABLE deliveries;
      ALTER TABLE deliveries_next RENAME TO deliveries;
      CREATE UNIQUE INDEX deliveries_idempotency_key ON deliveries (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX deliveries_lane_state ON deliveries (lane, state, id);
      CREATE INDEX deliveries_state ON deliveries (state, id);
      CREATE INDEX deliveries_turn ON deliveries (lane, turn_id) WHERE turn_id IS NOT NULL;
      CREATE INDEX deliveries_source ON deliveries (source, id);
    `,
  },
  {
    version: 10,
    name: "a lane's git worktree (path, branch, base, repository) as JSON",
    sql: `
      ALTER TABLE lanes ADD COLUMN worktree TEXT;
    `,
  },
  {
    version: 11,
    name: 'token usage per turn, kept apart from the pruned fact log',
    sql: `
      -- One row per turn: its own tokens, and the thread's running total its next turn counts from.
      CREATE TABLE turn_usage (
        lane TEXT NOT NULL,
        turn_id TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        cached_input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        reasoning_tokens INTEGER NOT NULL,
        total_tokens INTEGER NOT NULL,
        thread_total TEXT NOT NULL,
        model TEXT,
        context_window INTEGER,
        at TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (lane, turn_id)
      );
      CREATE INDEX turn_usage_lane_seq ON turn_usage (lane, seq);
      CREATE INDEX turn_usage_at ON turn_usage (at);
    `,
  },
  {
    version: 12,
    name: "the account's rate-limit windows, and why a queued receipt is held back",
    sql: `
      -- The latest report per window (codex sends sparse updates: a window it omits keeps its row).
      CREATE TABLE rate_limit_windows (
        name TEXT PRIMARY KEY CHECK (name IN ('primary', 'secondary')),
        used_percent REAL NOT NULL,
        window_minutes INTEGER,
        resets_at TEXT,
        observed_at TEXT NOT NULL
      );
      -- Set while admission holds a queued receipt (over capacity), cleared when it moves on.
      ALTER TABLE deliveries ADD COLUMN held TEXT;
      -- Admission counts running lanes on every send it lets through.
      CREATE INDEX lanes_status ON lanes (status);
    `,
  },
  {
    version: 13,
    name: "the fleet: this station's outbox of cross-station mail, and where its fleet loops resume",
    sql: `
      -- One row per message or answer for another station's lane; posted to the fleet's mailbox
      -- (sender + id make the post idempotent) and updated from the target's reports.
      CREATE TABLE fleet_outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        station TEXT NOT NULL,
        lane TEXT NOT NULL,
        body TEXT NOT NULL,
        idempotency_key TEXT,
        source TEXT NOT NULL,
        mail_id INTEGER,
        receipt INTEGER,
        state TEXT NOT NULL,
        turn_id TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX fleet_outbox_idempotency_key ON fleet_outbox (idempotency_key) WHERE idempotency_key IS NOT NULL;
      CREATE INDEX fleet_outbox_unposted ON fleet_outbox (id) WHERE mail_id IS NULL;
      -- Named positions of the fleet loops (e.g. the last mail version the mirror applied).
      CREATE TABLE fleet_cursors (
        name TEXT PRIMARY KEY,
        value INTEGER NOT NULL
      );
      -- The lease this home last held per station name: a restart after a crash takes its own
      -- lease over instead of waiting for it to lapse (the home's lock proves the old daemon gone).
      CREATE TABLE fleet_leases (
        station TEXT PRIMARY KEY,
        instance_id TEXT NOT NULL
      );
    `,
  },
];

/** The newest schema version this build knows; a registry above it was written by a newer dispatch. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;
