import { hostname } from 'node:os';
import { fleetUnavailable, type Fleet, type FleetAccess } from '../../core/fleet.js';
import type { LaneEvent } from '../../core/laneEvents.js';
import type { Store } from '../../core/ports.js';
import type { RemoteLanes } from '../../core/triggers/apply.js';
import type { Logger } from '../../core/context.js';
import { STATION_HEARTBEAT_MS, STATION_LEASE_MS } from '../../core/stationDirectory.js';
import { openPgFleet } from '../../fleet/pgFleet.js';
import { DispatchError } from '../../shared/errors.js';
import { DISPATCH_VERSION } from '../../shared/version.js';
import type { FleetSettings } from '../homeConfig.js';
import { startRemoteTriggerFollower, type StreamCursors } from '../remoteTriggers.js';
import { createFleetAccess } from './access.js';
import type { ReceiveContext } from './receive.js';
import { Station, type StationPorts } from './station.js';

export interface RunningStation {
  access: FleetAccess;
  /** Other stations' lanes that local triggers watch, as last published (for firing them). */
  remoteLanes: RemoteLanes;
  stop(): Promise<void>;
}

export interface StationStartOptions {
  ctx: ReceiveContext;
  log: Logger;
  mode: string;
  env: NodeJS.ProcessEnv;
  /** The trigger machinery's intake: remote lanes' events go there like local ones. */
  observe: (event: LaneEvent) => void;
}

/**
 * `DISPATCH_FLEET_LEASE_MS` shortens the station lease (tests of `unreachable`); heartbeats come
 * three times per lease at least.
 */
export function leaseMsFrom(env: NodeJS.ProcessEnv): number {
  const raw = env['DISPATCH_FLEET_LEASE_MS'];
  if (raw === undefined || raw === '') return STATION_LEASE_MS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 300) throw new DispatchError('validation', `DISPATCH_FLEET_LEASE_MS must be an integer of at least 300 (milliseconds), not '${raw}'`);
  return value;
}

/**
 * Joins the fleet at the daemon's start (a live holder of the name refuses it; an unreachable
 * database does not) and keeps the station in sync until `stop`.
 */
export async function startStation(settings: FleetSettings, options: StationStartOptions): Promise<RunningStation> {
  const leaseMs = leaseMsFrom(options.env);
  const open = async (): Promise<StationPorts> => {
    // One pool serves the directory and the rest of the fleet; its idle-connection errors are only logged (it reconnects by itself).
    const fleet = await openPgFleet(settings.url, { leaseMs, onError: (error) => options.log.warn('fleet.connection_error', { error: error.message }) });
    return { directory: fleet.stations, fleet };
  };
  const station = new Station({
    station: settings.station,
    url: settings.url,
    info: { host: hostname(), version: DISPATCH_VERSION, mode: options.mode },
    open,
    ctx: options.ctx,
    log: options.log,
    heartbeatMs: Math.min(STATION_HEARTBEAT_MS, Math.floor(leaseMs / 3)),
  });
  await station.start();
  const follower = startRemoteTriggerFollower({
    fleet: remoteFactsOf(station),
    triggers: () => options.ctx.store.triggers.list(),
    cursors: streamCursorsOf(options.ctx.store),
    observe: (event) => options.observe(event),
    log: options.log,
  });
  return {
    access: createFleetAccess(station, options.ctx.store),
    remoteLanes: follower.remoteLanes,
    stop: async () => {
      follower.stop();
      await station.stop();
    },
  };
}

/** The follower's view of the fleet: the station's connection while it has one (`fleet_unavailable` otherwise). */
function remoteFactsOf(station: Station): Pick<Fleet, 'factsSince' | 'latestFact' | 'listLanes' | 'listen'> {
  const fleet = (): Fleet => {
    const connected = station.ports()?.fleet;
    if (!connected) throw fleetUnavailable(`station ${station.name} is not connected`);
    return connected;
  };
  return {
    factsSince: (name, seq, options) => fleet().factsSince(name, seq, options),
    latestFact: (name) => fleet().latestFact(name),
    listLanes: (options) => fleet().listLanes(options),
    listen: (listener) => station.listen(listener),
  };
}

/** Where the follower is in each station's stream, in the registry's fleet cursors (`facts:<station>`). */
function streamCursorsOf(store: Store): StreamCursors {
  return {
    get: (name) => store.outbox.cursor(`facts:${name}`),
    set: (name, seq) => store.outbox.setCursor(`facts:${name}`, seq),
  };
}
