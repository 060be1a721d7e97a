import type pg from 'pg';
import { fleetError, redactedErrors } from './pgErrors.js';
import { createFleetPool } from './pool.js';
import { migrateFleetSchema } from './schema.js';

/** What a query or a transaction's body runs on. */
export interface Queryable {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/**
 * The shared pool as the fleet's implementations use it: every call's database failure comes out
 * as `fleet_unavailable` with the URL redacted (fleetError), never as a raw driver error.
 */
export class FleetDb implements Queryable {
  readonly pool: pg.Pool;
  readonly url: string;

  constructor(pool: pg.Pool, url: string) {
    this.pool = pool;
    this.url = url;
  }

  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw fleetError(this.url, error);
    }
  }

  /** Runs `body` in one transaction on one connection: committed when it returns, rolled back when it throws. */
  async transaction<T>(body: (client: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw fleetError(this.url, error);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => {
        // A connection that cannot even roll back is not given back to the pool.
        broken = rollback instanceof Error ? rollback : new Error(String(rollback));
      });
      throw fleetError(this.url, error);
    } finally {
      client.release(broken);
    }
  }
}

/** JSON for a JSONB parameter: PostgreSQL's jsonb refuses U+0000 in text, so it becomes U+FFFD. */
export function jsonParam(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'string' && item.includes('\0') ? item.replaceAll('\0', '\uFFFD') : item));
}

/** A pool on `url` with the shared schema migrated (a newer one refused), or the failure as a fleet error (the URL redacted). */
export async function openFleetDb(url: string, onError?: (error: Error) => void): Promise<FleetDb> {
  const pool = createFleetPool(url, { onError: redactedErrors(url, onError) });
  try {
    await migrateFleetSchema(pool);
  } catch (error) {
    await pool.end();
    throw fleetError(url, error);
  }
  return new FleetDb(pool, url);
}
