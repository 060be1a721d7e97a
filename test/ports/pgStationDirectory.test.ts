import pg from 'pg';
import { describe } from 'vitest';
import { openPgStationDirectory } from '../../src/fleet/pgStationDirectory.js';
import { createTestDatabase } from '../helpers/postgres.js';
import { runStationDirectorySuite } from './stationDirectorySuite.js';

describe('StationDirectory port: fleet/ on a real PostgreSQL server (the throwaway cluster)', () => {
  runStationDirectorySuite(async () => {
    const url = await createTestDatabase();
    return {
      open: (options) => openPgStationDirectory(url, options),
      setSchemaVersion: async (version) => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        try {
          await client.query('UPDATE fleet_schema SET version = $1', [version]);
        } finally {
          await client.end();
        }
      },
      close: async () => {},
    };
  });
});
