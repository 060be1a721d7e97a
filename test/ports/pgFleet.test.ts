import pg from 'pg';
import { describe } from 'vitest';
import { openPgFleet } from '../../src/fleet/pgFleet.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { runFleetSuite } from './fleetSuite.js';

describe('Fleet port: fleet/ on a real PostgreSQL server (the throwaway cluster)', () => {
  runFleetSuite(async () => {
    const url = await createTestDatabase();
    const holders: pg.Client[] = [];
    return {
      open: () => openPgFleet(url),
      // Another transaction holding the row, as a claimer between its SELECT … FOR UPDATE and COMMIT would.
      hold: async (id) => {
        const client = new pg.Client({ connectionString: url });
        holders.push(client);
        await client.connect();
        await client.query('BEGIN');
        await client.query('SELECT id FROM mail WHERE id = $1 FOR UPDATE', [id]);
        return async () => {
          await client.query('ROLLBACK');
          await client.end();
        };
      },
      close: async () => {
        await Promise.all(holders.map((c) => c.end().catch(() => undefined)));
      },
    };
  });
});
