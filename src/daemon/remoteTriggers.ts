import type { Logger } from '../core/context.js';
import { FLEET_POLL_MS, type Fleet } from '../core/fleet.js';
import type { LaneEvent } from '../core/laneEvents.js';
import type { Lane, Trigger } from '../core/model.js';
import type { RemoteLanes } from '../core/triggers/apply.js';
import { eventOfFleetFact, laneOfFleetLane, remoteLaneKey, watchedRemoteLanes } from '../core/triggers/remote.js';

/** Where the follower is in each station's stream; kept in the local registry so a restart resumes there. */
export interface StreamCursors {
  get(station: string): number | undefined;
  set(station: string, seq: number): void;
}

export interface RemoteTriggerDeps {
  fleet: Pick<Fleet, 'factsSince' | 'latestFact' | 'listLanes' | 'listen'>;
  triggers(): readonly Trigger[];
  cursors: StreamCursors;
  /** The trigger machinery's intake (automation.observe): remote events fire in stream order, like local ones. */
  observe(event: LaneEvent): void;
  log: Logger;
  pollMs?: number;
}

export interface RemoteTriggerFollower {
  /** The watched remote lanes as last read from the directory, for rendering and guards. */
  remoteLanes: RemoteLanes;
  /** Reads what is new now (also run by wakes and the poll); resolves when this pass is done. */
  tick(): Promise<void>;
  stop(): void;
}

const PAGE = 500;

/**
 * Feeds local triggers (subscriptions included) the facts of the remote lanes they watch: each
 * station's published stream read from a durable cursor, woken by NOTIFY and polled besides. A
 * watch that is new starts at the stream's end (what happened before it was added does not fire).
 * The database being away only delays firing: the next pass resumes from the cursor.
 */
export function startRemoteTriggerFollower(deps: RemoteTriggerDeps): RemoteTriggerFollower {
  const lanes = new Map<string, Lane>();
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let failing = false;

  const pass = async (): Promise<void> => {
    const watched = watchedRemoteLanes(deps.triggers());
    for (const [station, laneIds] of watched) {
      for (const entry of await deps.fleet.listLanes({ station })) lanes.set(remoteLaneKey(station, entry.laneId), laneOfFleetLane(entry));
      let cursor = deps.cursors.get(station);
      if (cursor === undefined) {
        cursor = await deps.fleet.latestFact(station);
        deps.cursors.set(station, cursor);
      }
      for (;;) {
        const facts = await deps.fleet.factsSince(station, cursor, { lanes: laneIds, limit: PAGE });
        for (const fact of facts) {
          const event = eventOfFleetFact(fact);
          if (event && !stopped) deps.observe(event);
          cursor = fact.seq;
        }
        if (facts.length > 0) deps.cursors.set(station, cursor);
        if (facts.length < PAGE || stopped) break;
      }
    }
  };

  const tick = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await pass();
          if (failing) deps.log.info('fleet.remote_facts_resumed');
          failing = false;
        } catch (error) {
          // Logged once per outage; the poll tries again.
          if (!failing) deps.log.warn('fleet.remote_facts_failed', { error: (error as Error).message });
          failing = true;
          again = false;
        }
      } while (again && !stopped);
      running = undefined;
    })();
    return running;
  };

  const wake = deps.fleet.listen((signal) => {
    if (signal.channel === 'facts' && watchedRemoteLanes(deps.triggers()).has(signal.station)) void tick();
  });
  const poll = setInterval(() => void tick(), deps.pollMs ?? FLEET_POLL_MS);
  poll.unref();
  void tick();
  return {
    remoteLanes: { lane: (key) => lanes.get(key) },
    tick,
    stop() {
      stopped = true;
      clearInterval(poll);
      wake.dispose();
    },
  };
}
