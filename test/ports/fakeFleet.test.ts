import { describe } from 'vitest';
import { FakeFleet, FakeFleetStore } from '../helpers/fakeFleet.js';
import { runFleetSuite } from './fleetSuite.js';

describe('Fleet port: the in-memory fake unit tests use', () => {
  runFleetSuite(async () => {
    const store = new FakeFleetStore();
    return {
      open: async () => new FakeFleet(store),
      hold: async (id) => {
        store.held.add(id);
        return async () => {
          store.held.delete(id);
        };
      },
      close: async () => {},
    };
  });
});
