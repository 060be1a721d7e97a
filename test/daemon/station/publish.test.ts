import { afterEach, describe, expect, it } from 'vitest';
import { Publisher } from '../../../src/daemon/station/publish.js';
import { fakeCore, type FakeCore } from '../../core/fakeCore.js';
import { FakeFleet, FakeFleetStore } from '../../helpers/fakeFleet.js';

describe('the fact stream publisher', () => {
  let core: FakeCore;
  afterEach(() => core.close());

  it('publishes from the stream’s latest seq of the station onwards, and prunes the stream to the newest facts', async () => {
    core = fakeCore();
    const fleet = new FakeFleet(new FakeFleetStore());
    for (let i = 0; i < 12; i++) await core.ownLane(`@l${i}`);
    const latest = core.store.facts.bounds().latest;
    // An earlier run published up to seq 3: the publisher resumes after it.
    await fleet.publishFacts('a', core.store.facts.since(0, { limit: 3 }));
    const publisher = new Publisher(core.store, 'a', { keep: 5, pruneEvery: 4 });
    await publisher.resync(fleet);
    expect(await publisher.publish(fleet)).toBe(false);
    expect(await fleet.latestFact('a')).toBe(latest);
    const kept = await fleet.factsSince('a', 0, { limit: 100 });
    expect(kept.map((f) => f.seq)).toEqual([latest - 4, latest - 3, latest - 2, latest - 1, latest]);
    expect((await fleet.listLanes({ station: 'a' })).length).toBe(12);
  });
});
