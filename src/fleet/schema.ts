import type pg from 'pg';
import { fleetSchemaTooNew } from '../core/stationDirectory.js';

/** One step of the shared fleet schema; `version` is what `fleet_schema.version` holds once it has run. */
export interface FleetMigration {
  version: number;
  name: string;
  sql: string;
}

/** Append-only and ordered, like store/migrations.ts: a shipped migration is never edited. */
export const FLEET_MIGRATIONS: readonly FleetMigration[] = [
  {
    version: 1,
    name: 'station directory',
    sql: `
      CREATE TABLE stations (
        name TEXT PRIMARY KEY,
        host TEXT NOT NULL,
        version TEXT NOT NULL,
        mode TEXT NOT NULL,
        instance_id TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        last_seen TIMESTAMPTZ NOT NULL,
        lease_expires_at TIMESTAMPTZ NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'lane directory, mailbox, fact stream',
    // Every change of a mail row takes the next mail_version (under MAIL_VERSION_LOCK, see pgMailbox.ts),
    // so a sender reading changes after the last version it saw misses none.
    sql: `
      CREATE TABLE lanes (
        station TEXT NOT NULL,
        lane_id TEXT NOT NULL,
        handle TEXT NOT NULL,
        status TEXT NOT NULL,
        attention TEXT NOT NULL,
        cwd TEXT,
        active_turn_id TEXT,
        last_agent_message TEXT,
        pending_requests JSONB NOT NULL DEFAULT '[]',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (station, lane_id)
      );
      CREATE INDEX lanes_by_handle ON lanes (station, handle);

      CREATE SEQUENCE mail_version;
      CREATE TABLE mail (
        id BIGSERIAL PRIMARY KEY,
        sender TEXT NOT NULL,
        sender_ref BIGINT NOT NULL,
        target TEXT NOT NULL,
        lane TEXT NOT NULL,
        body JSONB NOT NULL,
        state TEXT NOT NULL DEFAULT 'posted' CHECK (state IN ('posted', 'claimed', 'done')),
        receipt BIGINT,
        receipt_state TEXT,
        turn_id TEXT,
        error TEXT,
        version BIGINT NOT NULL DEFAULT nextval('mail_version'),
        created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        UNIQUE (sender, sender_ref)
      );
      CREATE INDEX mail_posted ON mail (target, id) WHERE state = 'posted';
      CREATE INDEX mail_claimed ON mail (target, id) WHERE state = 'claimed';
      CREATE INDEX mail_changes ON mail (sender, version);

      CREATE TABLE facts (
        station TEXT NOT NULL,
        seq BIGINT NOT NULL,
        lane_id TEXT,
        type TEXT NOT NULL,
        fact JSONB NOT NULL,
        at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (station, seq)
      );
      CREATE INDEX facts_by_lane ON facts (station, lane_id, seq);
    `,
  },
];

export const LATEST_FLEET_SCHEMA_VERSION = FLEET_MIGRATIONS.at(-1)?.version ?? 0;

/** Serialises schema changes across stations: any fixed key, the same in every build. */
const SCHEMA_LOCK_KEY = 0x64697370; // "disp"

/**
 * Brings the shared database up to this build's schema, in one transaction under an advisory
 * lock so stations starting together apply each migration once; refuses a database that is newer.
 * Returns the version the database now has.
 */
export async function migrateFleetSchema(pool: pg.Pool, migrations: readonly FleetMigration[] = FLEET_MIGRATIONS): Promise<number> {
  const known = migrations.at(-1)?.version ?? 0;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK_KEY]);
    await client.query('CREATE TABLE IF NOT EXISTS fleet_schema (id BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (id), version INTEGER NOT NULL)');
    const row = (await client.query<{ version: number }>('SELECT version FROM fleet_schema')).rows[0];
    const current = row?.version ?? 0;
    if (current > known) throw fleetSchemaTooNew(current, known);
    for (const migration of migrations) if (migration.version > current) await client.query(migration.sql);
    if (current < known) await client.query('INSERT INTO fleet_schema (id, version) VALUES (TRUE, $1) ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version', [known]);
    await client.query('COMMIT');
    return Math.max(current, known);
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
