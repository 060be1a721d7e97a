import type { DeliveryContext } from '../../src/core/deliveries.js';
import { drainQueueOf } from '../../src/core/admissionDrain.js';
import { UNLIMITED_CAPACITY, type CapacitySettings } from '../../src/core/admissionPolicy.js';
import { silentLogger, type OpContext } from '../../src/core/context.js';
import type { LaneEvent } from '../../src/core/laneEvents.js';
import type { Lane } from '../../src/core/model.js';
import { LaneFeedHub } from '../../src/core/feed.js';
import { createJournal } from '../../src/core/journal.js';
import { createLane } from '../../src/core/lanes.js';
import { createLanePipeline } from '../../src/core/pipeline.js';
import { openStore, type SqliteStore } from '../../src/store/index.js';
import { FakeAppServer } from '../helpers/fakeAppServer.js';
import { nextEvent } from '../helpers/laneEvents.js';
import { manualClock, MINIMAL_SETTINGS, type ManualClock } from '../store/helpers.js';

/** What deliver() and the triggers need, over the fake app-server and an in-memory store. */
export type CoreContext = DeliveryContext & Pick<OpContext, 'drainQueue'>;

export interface FakeCore {
  store: SqliteStore;
  fake: FakeAppServer;
  clock: ManualClock;
  ctx: CoreContext;
  /** A thread on the fake with its own lane in the registry. */
  ownLane(handle?: string): Promise<Lane>;
  lane(id: string): Lane;
  /** Resolves with the first fake event matching `predicate` (seen after the reactor applied it). */
  nextEvent(predicate: (e: LaneEvent) => boolean, timeoutMs?: number): Promise<LaneEvent>;
  /** Polls `check` until it holds (the reactor's drains run in the background), with a deadline. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/**
 * Core wired as dispatchd wires it (fake events → reactor → drain on turn end), with a manual
 * clock for the store and the ops: only the app-server is the fake.
 */
export function fakeCore(options: { capacity?: CapacitySettings } = {}): FakeCore {
  const clock = manualClock();
  const store = openStore({ path: ':memory:', clock });
  const fake = new FakeAppServer();
  const drainQueue = async (laneId: string): Promise<void> => {
    await drainQueueOf(ctx, laneId);
  };
  const feed = new LaneFeedHub();
  const journal = createJournal({ store, clock, publish: (entry) => feed.publish(entry) });
  const ctx: CoreContext = {
    store,
    journal,
    appServer: fake,
    clock,
    log: silentLogger,
    callerCwd: '/work',
    feed,
    failpoint: async () => undefined,
    drainQueue,
    capacity: options.capacity ?? UNLIMITED_CAPACITY,
  };
  fake.onEvent(
    createLanePipeline({
      store,
      journal,
      clock,
      log: silentLogger,
      publishLive: (entry) => feed.publish(entry),
      correlate: () => undefined,
      automate: () => undefined,
      turnEnded: (laneId) => void drainQueue(laneId),
    }),
  );
  let handles = 0;
  return {
    store,
    fake,
    clock,
    ctx,
    async ownLane(handle = `@lane${++handles}`) {
      const { threadId, cwd } = await fake.startThread({ cwd: '/work', ephemeral: false });
      return createLane(ctx, { laneId: threadId, handle, source: 'own', cwd, status: 'idle', settings: MINIMAL_SETTINGS, ephemeral: false, by: 'test' });
    },
    lane(id) {
      const lane = store.lanes.find(id);
      if (!lane) throw new Error(`no lane ${id}`);
      return lane;
    },
    nextEvent: (predicate, timeoutMs = 5_000) => nextEvent(fake, predicate, timeoutMs),
    async until(check, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    close() {
      fake.crash();
      store.close();
    },
  };
}

export const turnCompletedOn = (laneId: string) => (e: LaneEvent) => e.type === 'turnCompleted' && e.laneId === laneId;
