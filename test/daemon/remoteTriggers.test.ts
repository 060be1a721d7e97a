import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/context.js';
import type { StoredFact } from '../../src/core/facts.js';
import type { FleetLane } from '../../src/core/fleet.js';
import type { LaneEvent } from '../../src/core/laneEvents.js';
import type { Trigger } from '../../src/core/model.js';
import { startRemoteTriggerFollower, type RemoteTriggerFollower } from '../../src/daemon/remoteTriggers.js';
import { FakeFleet, FakeFleetStore } from '../helpers/fakeFleet.js';
import { makeTrigger } from '../core/triggers/fixtures.js';

const worker: FleetLane = { station: 'build-1', laneId: 'w1', handle: '@worker', status: 'idle', attention: 'idle', cwd: null, activeTurnId: null, lastAgentMessage: 'hi', pendingRequests: [], updatedAt: '2026-12-01T10:00:00.000Z' };

const completed = (seq: number, laneId = 'w1'): StoredFact => ({ type: 'turnCompleted', laneId, turnId: `t${seq}`, outcome: 'completed', seq, at: '2026-12-01T10:00:00.000Z' });

async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the remote-trigger follower', () => {
  let follower: RemoteTriggerFollower | undefined;
  afterEach(() => follower?.stop());

  function start(store: FakeFleetStore, triggers: Trigger[], cursors: Map<string, number>, seen: LaneEvent[]): RemoteTriggerFollower {
    follower = startRemoteTriggerFollower({
      fleet: new FakeFleet(store),
      triggers: () => triggers,
      cursors: { get: (s) => cursors.get(s), set: (s, seq) => cursors.set(s, seq) },
      observe: (event) => seen.push(event),
      log: silentLogger,
      pollMs: 60_000,
    });
    return follower;
  }

  it('starts a new watch at the stream end, then hands on each later fact of the watched lanes once, in order, woken by NOTIFY', async () => {
    const store = new FakeFleetStore();
    const publisher = new FakeFleet(store);
    await publisher.publishLanes('build-1', [worker]);
    await publisher.publishFacts('build-1', [completed(1)]);
    const cursors = new Map<string, number>();
    const seen: LaneEvent[] = [];
    const f = start(store, [makeTrigger({ lane: 'w1@build-1', when: { kind: 'event', event: 'lane_done' } })], cursors, seen);
    await f.tick();
    expect(cursors.get('build-1')).toBe(1);
    expect(seen).toEqual([]);
    await publisher.publishFacts('build-1', [completed(2), completed(3, 'other'), completed(4)]);
    await until(() => seen.length === 2);
    expect(seen.map((e) => [e.laneId, 'turnId' in e ? e.turnId : null])).toEqual([
      ['w1@build-1', 't2'],
      ['w1@build-1', 't4'],
    ]);
    expect(cursors.get('build-1')).toBe(4);
    expect(f.remoteLanes.lane('w1@build-1')).toMatchObject({ handle: '@worker@build-1', lastAgentMessage: 'hi' });
  });

  it('resumes from the stored cursor after a restart (nothing missed while it was away), and catches up once the database is back', async () => {
    const store = new FakeFleetStore();
    const publisher = new FakeFleet(store);
    await publisher.publishFacts('build-1', [completed(1), completed(2), completed(3)]);
    const cursors = new Map([['build-1', 1]]);
    const seen: LaneEvent[] = [];
    store.available = false;
    const f = start(store, [makeTrigger({ lane: 'w1@build-1', when: { kind: 'event', event: 'lane_done' } })], cursors, seen);
    await f.tick();
    expect(seen).toEqual([]);
    store.available = true;
    await f.tick();
    expect(seen.map((e) => ('turnId' in e ? e.turnId : null))).toEqual(['t2', 't3']);
  });
});
