import pg from 'pg';
import { expect, it } from 'vitest';
import { openPgStationDirectory } from '../../src/fleet/pgStationDirectory.js';
import { createTestDatabase } from '../helpers/postgres.js';

it('after the server drops every connection (a restart, a cut network), the directory reconnects by itself', async () => {
  const url = await createTestDatabase();
  const dropped: Error[] = [];
  const directory = await openPgStationDirectory(url, { onError: (error) => dropped.push(error) });
  try {
    const lease = await directory.join('build-1', { host: 'box-a', version: '0.2.0', mode: 'simulate' });
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const killed = await admin.query<{ n: number }>('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    await admin.end();
    expect(killed.rows[0]?.n).toBeGreaterThan(0);
    // The idle connection's failure reaches onError (unhandled, it would crash the station); calls then go on.
    const deadline = Date.now() + 10_000;
    while (dropped.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(dropped.length).toBeGreaterThan(0);
    await directory.heartbeat(lease);
    expect((await directory.list()).map((e) => [e.name, e.state])).toEqual([['build-1', 'up']]);
  } finally {
    await directory.close();
  }
});
