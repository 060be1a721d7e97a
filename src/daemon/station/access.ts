import { isRunningLaneState } from '../../contracts/schemas.js';
import { fleetUnavailable, type FleetAccess, type FleetFact, type FleetLane, type OutboxEntry, type RemoteLaneRef } from '../../core/fleet.js';
import { queueRemoteSend } from '../../core/fleetOutbox.js';
import type { Store } from '../../core/ports.js';
import type { StationEntry } from '../../core/stationDirectory.js';
import { DispatchError } from '../../shared/errors.js';
import type { Station, StationPorts } from './station.js';

type ReachableLane = FleetLane & { reachable: boolean };

/** `@[repo] name` handles answer to their bare name too, like core's resolveLane. */
const REPO_PREFIX = /^@\[[^\]]*\]\s+/;

/**
 * The fleet as op handlers see it (ctx.fleet). Reads go to the database (`fleet_unavailable` while
 * it is away); send and respond only write the local outbox and wake the station's poster.
 */
export function createFleetAccess(station: Station, store: Store): FleetAccess {
  const joined = (): StationPorts & { fleet: NonNullable<StationPorts['fleet']> } => {
    const ports = station.ports();
    if (!ports?.fleet) throw fleetUnavailable(`station ${station.name} is ${station.status().state}${station.status().lastError ? ` (${station.status().lastError})` : ''}`);
    return { directory: ports.directory, fleet: ports.fleet };
  };
  const read = async <T>(fn: (ports: ReturnType<typeof joined>) => Promise<T>): Promise<T> => {
    const ports = joined();
    try {
      return await fn(ports);
    } catch (error) {
      if (error instanceof DispatchError) throw error;
      throw fleetUnavailable((error as Error).message, error);
    }
  };
  const reachableLanes = (options: { station?: string }): Promise<ReachableLane[]> =>
    read(async ({ directory, fleet }) => {
      const [entries, lanes] = await Promise.all([directory.list(), fleet.listLanes(options)]);
      const up = new Set(entries.filter((e) => e.state === 'up').map((e) => e.name));
      return lanes.map((lane) => ({ ...lane, reachable: up.has(lane.station) }));
    });

  return {
    station: station.name,
    // Already redacted: the password never leaves the station object.
    databaseUrl: station.status().url,
    connected: () => station.status().connected,
    stations: () =>
      read(async ({ directory, fleet }) => {
        const [entries, lanes] = await Promise.all([directory.list(), fleet.listLanes()]);
        return entries.map((entry: StationEntry) => {
          const own = lanes.filter((l) => l.station === entry.name);
          return { ...entry, lanes: own.length, busy: own.filter((l) => isRunningLaneState(l.status)).length, needsYou: own.filter((l) => l.attention === 'needs-you').length };
        });
      }),
    lanes: (options = {}) => reachableLanes(options),
    findLane: async (ref) => findRemoteLane(ref, await reachableLanes({ station: ref.station })),
    send: (ref, message) => {
      const entry = queueRemoteSend(store.outbox, ref, { kind: 'send', mode: message.mode, text: message.text }, { source: message.source, ...(message.idempotencyKey ? { idempotencyKey: message.idempotencyKey } : {}) });
      station.wake(true);
      return entry;
    },
    respond: (target, request, answer) => {
      const entry: OutboxEntry = store.outbox.insert({
        station: target,
        lane: '',
        body: { kind: 'respond', request, ...(answer.decision === undefined ? {} : { decision: answer.decision }), ...(answer.answer === undefined ? {} : { answer: answer.answer }) },
        idempotencyKey: null,
        source: 'op',
      });
      station.wake(true);
      return entry;
    },
    outbox: (id) => store.outbox.find(id),
    laneFacts: (target, laneId, options) => read(({ fleet }) => laneFacts(fleet, target, laneId, options)),
    status: () => station.status(),
  };
}

/** handle, bare name, id, then an id prefix of at least four characters — as core's resolveLane. */
export function findRemoteLane(ref: RemoteLaneRef, lanes: readonly ReachableLane[]): ReachableLane {
  const { lane: selector } = ref;
  const one = (matches: ReachableLane[]): ReachableLane | undefined => {
    if (matches.length > 1) throw ambiguous(ref, matches);
    return matches[0];
  };
  const handle = selector.startsWith('@') ? selector : `@${selector}`;
  const bare = selector.replace(/^@/, '');
  const found =
    lanes.find((l) => l.laneId === selector) ??
    one(lanes.filter((l) => l.handle === handle)) ??
    one(lanes.filter((l) => REPO_PREFIX.test(l.handle) && l.handle.replace(REPO_PREFIX, '') === bare)) ??
    (selector.length >= 4 && !selector.startsWith('@') ? one(lanes.filter((l) => l.laneId.startsWith(selector))) : undefined);
  if (found) return found;
  throw new DispatchError('not_found', `no lane '${selector}' on station ${ref.station}`);
}

function ambiguous(ref: RemoteLaneRef, candidates: readonly FleetLane[]): DispatchError {
  return new DispatchError('ambiguous', `'${ref.lane}@${ref.station}' matches ${candidates.length} lanes: ${candidates.map((l) => l.handle).join(', ')}; use the full handle or the id`, {
    data: { candidates: candidates.map((l) => ({ handle: l.handle, id: l.laneId, cwd: l.cwd, station: l.station })) },
  });
}

/** Facts after `since`, or the newest `limit` (read back from the stream's end in widening windows). */
async function laneFacts(fleet: NonNullable<StationPorts['fleet']>, station: string, laneId: string, options: { since?: number; limit: number }): Promise<FleetFact[]> {
  if (options.since !== undefined) return fleet.factsSince(station, options.since, { lanes: [laneId], limit: options.limit });
  const latest = await fleet.latestFact(station);
  for (let window = options.limit * 4; ; window *= 4) {
    const from = Math.max(0, latest - window);
    const facts = await fleet.factsSince(station, from, { lanes: [laneId], limit: window });
    if (facts.length >= options.limit || from === 0) return facts.slice(-options.limit);
  }
}
