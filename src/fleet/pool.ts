import pg from 'pg';

export interface FleetPoolOptions {
  /** Called for a connection that fails while idle (the database restarted, the network dropped); the pool replaces it. */
  onError?: (error: Error) => void;
}

/**
 * The one pool a station keeps to the shared database: few connections (a station's fleet traffic
 * is small, and the server's connection limit is shared by every station), and every query bounded
 * so a hung database fails calls instead of stalling them. A broken connection is dropped and the
 * next query opens a new one, so the pool reconnects by itself once the database is back.
 */
export function createFleetPool(url: string, options: FleetPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: 3,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 5_000,
    query_timeout: 6_000,
    idle_in_transaction_session_timeout: 10_000,
    application_name: 'dispatch',
  });
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (error) => options.onError?.(error));
  return pool;
}
