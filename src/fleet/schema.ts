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
