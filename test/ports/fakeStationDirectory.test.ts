import { describe } from 'vitest';
import { FakeFleetDatabase, FakeStationDirectory } from '../helpers/fakeStationDirectory.js';
import { runStationDirectorySuite } from './stationDirectorySuite.js';

describe('StationDirectory port: the in-memory fake unit tests use', () => {
  runStationDirectorySuite(async () => {
    const db = new FakeFleetDatabase();
    return {
      open: (options) => FakeStationDirectory.open(db, options),
      setSchemaVersion: async (version) => {
        db.schemaVersion = version;
      },
      close: async () => {},
    };
  });
});
