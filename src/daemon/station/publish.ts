import { FLEET_MESSAGE_MAX, type Fleet, type FleetLane } from '../../core/fleet.js';
import type { Lane } from '../../core/model.js';
import type { Store } from '../../core/ports.js';

/** Facts published per call, and how many of the station's facts the shared stream keeps. */
export const FACT_PAGE = 500;
export const FLEET_FACTS_KEPT = 20_000;
/** Pages of facts one sync pass publishes before it lets the other loops run. */
const FACT_PAGES_PER_PASS = 20;

/** A local lane as the fleet's lane directory shows it, with its pending requests. */
export function fleetLaneOf(store: Store, station: string, lane: Lane): FleetLane {
  const pending = store.requests.list({ states: ['pending'], lane: lane.id });
  return {
    station,
    laneId: lane.id,
    handle: lane.handle,
    status: lane.status,
    attention: lane.attention,
    cwd: lane.cwd,
    activeTurnId: lane.activeTurnId,
    lastAgentMessage: lane.lastAgentMessage === null ? null : lane.lastAgentMessage.slice(0, FLEET_MESSAGE_MAX),
    pendingRequests: pending.map((r) => ({ id: r.id, kind: r.kind, summary: r.summary, createdAt: r.createdAt })),
    updatedAt: lane.updatedAt,
  };
}

/**
 * Keeps the station's part of the lane directory and of the fact stream current. Lanes: a full
 * replace after (re)connecting, then the lanes that changed (archived or gone ones removed).
 * Facts: from the stream's own latest seq of this station onwards, in pages.
 */
export class Publisher {
  private readonly dirtyLanes = new Set<string>();
  private factCursor: number | null = null;
  /** The pending request ids per lane as last published: asking or answering writes no lane fact. */
  private publishedRequests = new Map<string, string>();
  private publishedSincePrune = 0;

  private readonly store: Store;
  private readonly station: string;
  private readonly retention: { keep: number; pruneEvery: number };

  /** `retention`: the stream keeps the station's newest `keep` facts, pruned after every `pruneEvery` published. */
  constructor(store: Store, station: string, retention = { keep: FLEET_FACTS_KEPT, pruneEvery: FACT_PAGE * 2 }) {
    this.store = store;
    this.station = station;
    this.retention = retention;
  }

  laneChanged(laneId: string): void {
    this.dirtyLanes.add(laneId);
  }

  /** After (re)connecting: the directory gets every lane and the fact cursor comes from the stream. */
  async resync(fleet: Fleet): Promise<void> {
    this.dirtyLanes.clear();
    this.publishedRequests = this.pendingRequestsByLane();
    const lanes = this.store.lanes.list().filter((l) => l.status !== 'archived');
    await fleet.replaceLanes(this.station, lanes.map((l) => fleetLaneOf(this.store, this.station, l)));
    this.factCursor = await fleet.latestFact(this.station);
  }

  /** Publishes what changed; true when facts are left for the next pass. */
  async publish(fleet: Fleet): Promise<boolean> {
    this.noteRequestChanges();
    await this.publishLanes(fleet);
    return this.publishFacts(fleet);
  }

  private pendingRequestsByLane(): Map<string, string> {
    const byLane = new Map<string, string>();
    for (const request of this.store.requests.list({ states: ['pending'] })) {
      if (request.lane !== null) byLane.set(request.lane, `${byLane.get(request.lane) ?? ''},${request.id}`);
    }
    return byLane;
  }

  /** Lanes whose pending requests changed since they were last published are published again. */
  private noteRequestChanges(): void {
    const now = this.pendingRequestsByLane();
    for (const lane of new Set([...now.keys(), ...this.publishedRequests.keys()])) {
      if (now.get(lane) !== this.publishedRequests.get(lane)) this.dirtyLanes.add(lane);
    }
    this.publishedRequests = now;
  }

  private async publishLanes(fleet: Fleet): Promise<void> {
    if (this.dirtyLanes.size === 0) return;
    const ids = [...this.dirtyLanes];
    this.dirtyLanes.clear();
    try {
      const lanes = ids.map((id) => this.store.lanes.find(id));
      const live = lanes.filter((l): l is Lane => l !== undefined && l.status !== 'archived');
      const gone = ids.filter((id) => !live.some((l) => l.id === id));
      if (live.length > 0) await fleet.publishLanes(this.station, live.map((l) => fleetLaneOf(this.store, this.station, l)));
      if (gone.length > 0) await fleet.removeLanes(this.station, gone);
    } catch (error) {
      for (const id of ids) this.dirtyLanes.add(id);
      throw error;
    }
  }

  private async publishFacts(fleet: Fleet): Promise<boolean> {
    this.factCursor ??= await fleet.latestFact(this.station);
    for (let page = 0; page < FACT_PAGES_PER_PASS; page++) {
      const facts = this.store.facts.since(this.factCursor, { limit: FACT_PAGE });
      const last = facts.at(-1);
      if (last === undefined) return false;
      await fleet.publishFacts(this.station, facts);
      this.factCursor = last.seq;
      this.publishedSincePrune += facts.length;
      if (this.publishedSincePrune >= this.retention.pruneEvery) {
        await fleet.pruneFacts(this.station, this.retention.keep);
        this.publishedSincePrune = 0;
      }
    }
    return true;
  }
}
