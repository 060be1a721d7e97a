import { hostname } from 'node:os';
import type { FleetAccess } from '../../core/fleet.js';
import type { Logger } from '../../core/context.js';
import { STATION_HEARTBEAT_MS, STATION_LEASE_MS } from '../../core/stationDirectory.js';
import { openPgFleet } from '../../fleet/pgFleet.js';
import { DispatchError } from '../../shared/errors.js';
import { DISPATCH_VERSION } from '../../shared/version.js';
import type { FleetSettings } from '../homeConfig.js';
import { createFleetAccess } from './access.js';
import type { ReceiveContext } from './receive.js';
import { Station, type StationPorts } from './station.js';

export interface RunningStation {
  access: FleetAccess;
  stop(): Promise<void>;
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
export async function startStation(settings: FleetSettings, options: { ctx: ReceiveContext; log: Logger; mode: string; env: NodeJS.ProcessEnv }): Promise<RunningStation> {
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
  return { access: createFleetAccess(station, options.ctx.store), stop: () => station.stop() };
}
