import { remoteSelectorOf, type FleetFact, type FleetLane, type RemoteLaneRef } from '../fleet.js';
import type { LaneEvent } from '../laneEvents.js';
import { DEFAULT_TURN_SETTINGS, type Lane, type Trigger } from '../model.js';

/**
 * Triggers (and subscriptions, which are triggers) that watch or tell a lane of another station
 * keep it as `<laneId>@<station>`: the id, resolved once when the trigger was added, like local
 * triggers keep ids, so a rename on that station never breaks it.
 */
export function remoteLaneKey(station: string, laneId: string): string {
  return `${laneId}@${station}`;
}

/** The station and lane id of a remote key; null for a local lane id (codex thread ids hold no `@`). */
export function splitRemoteKey(key: string): { station: string; laneId: string } | null {
  const at = key.lastIndexOf('@');
  if (at <= 0 || at === key.length - 1) return null;
  return { laneId: key.slice(0, at), station: key.slice(at + 1) };
}

export function refOfRemoteKey(key: string): RemoteLaneRef | null {
  const split = splitRemoteKey(key);
  return split && { lane: split.laneId, station: split.station };
}

/**
 * A remote lane as the trigger machinery sees it: its id is the remote key (what triggers hold and
 * remote events carry), its handle names the station. Settings are not published; nothing that
 * reads this lane needs them.
 */
export function laneOfFleetLane(entry: FleetLane): Lane {
  return {
    id: remoteLaneKey(entry.station, entry.laneId),
    handle: remoteSelectorOf(entry),
    source: 'own',
    cwd: entry.cwd,
    status: entry.status,
    attention: entry.attention,
    activeTurnId: entry.activeTurnId,
    settings: DEFAULT_TURN_SETTINGS,
    ephemeral: false,
    latestTurn: null,
    lastAgentMessage: entry.lastAgentMessage,
    worktree: null,
    createdAt: entry.updatedAt,
    updatedAt: entry.updatedAt,
    lastEventAt: entry.updatedAt,
  };
}

/** The remote facts triggers react to (see automation.ts) and the goal facts `lane_done` needs. */
const TRIGGERING = new Set<FleetFact['type']>(['turnCompleted', 'approvalRequested', 'statusChanged', 'goalUpdated', 'goalCleared']);

/** A fact another station published, as the lane event local triggers react to (its lane is the remote key); null for others. */
export function eventOfFleetFact(fact: FleetFact): LaneEvent | null {
  if (!TRIGGERING.has(fact.type)) return null;
  const { seq: _seq, at: _at, station, ...event } = fact;
  return { ...event, laneId: remoteLaneKey(station, fact.laneId) } as LaneEvent;
}

/** The remote lanes enabled event triggers watch, per station (what the follower reads from each stream). */
export function watchedRemoteLanes(triggers: readonly Trigger[]): Map<string, string[]> {
  const byStation = new Map<string, Set<string>>();
  for (const trigger of triggers) {
    if (!trigger.enabled || trigger.when.kind !== 'event') continue;
    const split = splitRemoteKey(trigger.lane);
    if (!split) continue;
    const lanes = byStation.get(split.station) ?? new Set<string>();
    lanes.add(split.laneId);
    byStation.set(split.station, lanes);
  }
  return new Map([...byStation].map(([station, lanes]) => [station, [...lanes].sort()]));
}
