import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleetPool } from '../../src/fleet/pool.js';
import { FLEET_MIGRATIONS, LATEST_FLEET_SCHEMA_VERSION, migrateFleetSchema, type FleetMigration } from '../../src/fleet/schema.js';
import { DispatchError } from '../../src/shared/errors.js';
import { createTestDatabase } from '../helpers/postgres.js';

/** The next build's schema: one more migration on top of this one's. */
const NEXT: readonly FleetMigration[] = [...FLEET_MIGRATIONS, { version: LATEST_FLEET_SCHEMA_VERSION + 1, name: 'a later column', sql: 'ALTER TABLE stations ADD COLUMN later TEXT' }];

describe('the shared fleet schema (on the throwaway PostgreSQL cluster)', () => {
  const pools: pg.Pool[] = [];
  const pool = (url: string): pg.Pool => {
    const made = createFleetPool(url);
    pools.push(made);
    return made;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.end()));
  });

  const versionOf = async (url: string): Promise<number | undefined> => (await pool(url).query<{ version: number }>('SELECT version FROM fleet_schema')).rows[0]?.version;

  it('a fresh database gets every migration and records the latest version; opening again changes nothing', async () => {
    const url = await createTestDatabase();
    expect(await migrateFleetSchema(pool(url))).toBe(LATEST_FLEET_SCHEMA_VERSION);
    expect(await migrateFleetSchema(pool(url))).toBe(LATEST_FLEET_SCHEMA_VERSION);
    expect(await versionOf(url)).toBe(LATEST_FLEET_SCHEMA_VERSION);
    expect((await pool(url).query('SELECT count(*)::int AS n FROM fleet_schema')).rows[0]).toEqual({ n: 1 });
  });

  it('a newer build applies only the migrations the database lacks', async () => {
    const url = await createTestDatabase();
    await migrateFleetSchema(pool(url));
    expect(await migrateFleetSchema(pool(url), NEXT)).toBe(LATEST_FLEET_SCHEMA_VERSION + 1);
    expect(await versionOf(url)).toBe(LATEST_FLEET_SCHEMA_VERSION + 1);
    await pool(url).query("INSERT INTO stations VALUES ('s', 'h', 'v', 'm', 'i', now(), now(), now(), 'later')");
  });

  it('an older build refuses the newer database, naming both versions, and changes nothing', async () => {
    const url = await createTestDatabase();
    await migrateFleetSchema(pool(url), NEXT);
    const error = await migrateFleetSchema(pool(url)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect(error).toMatchObject({ code: 'version_skew', data: { databaseVersion: LATEST_FLEET_SCHEMA_VERSION + 1, knownVersion: LATEST_FLEET_SCHEMA_VERSION } });
    expect(await versionOf(url)).toBe(LATEST_FLEET_SCHEMA_VERSION + 1);
  });

  it('stations migrating a fresh database at once apply each migration exactly once', async () => {
    const url = await createTestDatabase();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => migrateFleetSchema(pool(url), i % 2 === 0 ? NEXT : FLEET_MIGRATIONS).catch((e: unknown) => e)));
    // Whoever runs after a NEXT station finds a newer database and refuses; nobody fails any other way.
    for (const result of results) if (typeof result !== 'number') expect(result).toMatchObject({ code: 'version_skew' });
    expect(results.filter((r) => r === LATEST_FLEET_SCHEMA_VERSION + 1)).toHaveLength(3);
    expect(await versionOf(url)).toBe(LATEST_FLEET_SCHEMA_VERSION + 1);
  });
});
