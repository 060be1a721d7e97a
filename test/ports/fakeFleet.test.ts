import { describe, expect, it } from 'vitest';
import type { FleetWake } from '../../src/core/fleet.js';
import { DispatchError } from '../../src/shared/errors.js';
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

  it('plays a database that is away: calls fail with fleet_unavailable and no wake arrives, until it is back', async () => {
    const store = new FakeFleetStore();
    const fleet = new FakeFleet(store);
    const seen: FleetWake[] = [];
    fleet.listen((wake) => seen.push(wake));
    store.available = false;
    const error = await fleet.post({ sender: 'a', senderRef: 1, target: 'b', lane: 'w', body: { kind: 'send', mode: 'send', text: 'x' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect((error as DispatchError).code).toBe('fleet_unavailable');
    store.available = true;
    await fleet.post({ sender: 'a', senderRef: 1, target: 'b', lane: 'w', body: { kind: 'send', mode: 'send', text: 'x' } });
    await new Promise<void>((resolve) => queueMicrotask(resolve));
    expect(seen).toEqual([{ channel: 'mail', station: 'b' }]);
  });
});
