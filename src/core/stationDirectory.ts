import { DispatchError } from '../shared/errors.js';

// The fleet's station directory port (issue 12): implemented on PostgreSQL in src/fleet/, faked in tests.

/** What a station tells the fleet about itself when it joins. */
export interface StationInfo {
  host: string;
  /** dispatch's version. */
  version: string;
  /** How its app-server runs (e.g. `live`, `simulate`). */
  mode: string;
}

/** A station's place in the directory: its lease lasts while heartbeats renew it. */
export interface StationLease {
  name: string;
  /** Unique per join: a station that took the name over makes the old holder's lease void. */
  instanceId: string;
  expiresAt: string;
}

/** `unreachable`: the lease lapsed (the station stopped heartbeating: crashed, cut off or hung). */
export type StationState = 'up' | 'unreachable';

export interface StationEntry extends StationInfo {
  name: string;
  instanceId: string;
  startedAt: string;
  lastSeen: string;
  leaseExpiresAt: string;
  state: StationState;
}

/** How long a lease lasts without a heartbeat, and how often a station renews it. */
export const STATION_LEASE_MS = 15_000;
export const STATION_HEARTBEAT_MS = 5_000;

/**
 * The fleet's station directory (implemented by fleet/ on PostgreSQL). Lease times are the
 * directory's own clock (the database's), so stations' clocks need not agree.
 */
export interface StationDirectory {
  /** Claims `name`; refuses (`conflict`, see stationNameTaken) while another holder's lease is live, takes a lapsed one over. */
  join(name: string, info: StationInfo): Promise<StationLease>;
  /** Renews the lease; `conflict` when it is no longer this holder's (it lapsed and another station took the name). */
  heartbeat(lease: StationLease): Promise<StationLease>;
  /** Gives the name up (only this holder's: a taken-over name stays with its new holder). */
  leave(lease: StationLease): Promise<void>;
  /** Every station, by name, its state derived from its lease. */
  list(): Promise<StationEntry[]>;
  close(): Promise<void>;
}

export function stationNameTaken(name: string, holderHost: string): DispatchError {
  return new DispatchError('conflict', `station name "${name}" is held by a running station on host ${holderHost}; pick another name or stop that station`, { data: { station: name, holderHost } });
}

export function stationLeaseLost(name: string): DispatchError {
  return new DispatchError('conflict', `station "${name}" lost its lease: it lapsed and another station took the name over`, { data: { station: name } });
}

/** A station whose build knows an older fleet schema than the shared database's must not write to it. */
export function fleetSchemaTooNew(databaseVersion: number, knownVersion: number): DispatchError {
  return new DispatchError('version_skew', `the fleet database has schema version ${databaseVersion}, this dispatch knows only up to ${knownVersion}; upgrade dispatch on this station`, { data: { databaseVersion, knownVersion } });
}
