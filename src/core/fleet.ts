import { DispatchError } from '../shared/errors.js';
import type { Disposable } from './context.js';
import type { StoredFact } from './facts.js';
import type { Attention, DeliveryMode, DeliveryState, LaneState } from './model.js';
import type { StationEntry } from './stationDirectory.js';

/**
 * The fleet (issue 12): stations (dispatch homes, each authoritative for its own lanes) joined
 * through one shared database. These are the ports core and the daemon use; fleet/ implements them
 * on PostgreSQL, test/helpers/fakeFleet.ts in memory, and one conformance suite runs against both.
 *
 * What crosses the network: the station directory (stationDirectory.ts), each station's lane
 * directory, its fact stream, and mail (cross-station messages and answers). Everything else stays
 * in the station's own SQLite registry.
 */

/** A lane as its station publishes it for the rest of the fleet. */
export interface FleetLane {
  station: string;
  laneId: string;
  handle: string;
  status: LaneState;
  attention: Attention;
  cwd: string | null;
  activeTurnId: string | null;
  /** Clipped (FLEET_MESSAGE_MAX characters). */
  lastAgentMessage: string | null;
  /** The lane's pending requests (approvals, questions), for `request list` elsewhere. */
  pendingRequests: FleetRequest[];
  /** When the lane last changed on its station (the station's clock). */
  updatedAt: string;
}

export interface FleetRequest {
  id: number;
  kind: string;
  summary: string;
  createdAt: string;
}

/** Longest agent message (or mail text in views) the directory keeps. */
export const FLEET_MESSAGE_MAX = 4000;

export interface LaneDirectory {
  /** Upserts these lanes of `station` (a lane already there is replaced). */
  publishLanes(station: string, lanes: readonly FleetLane[]): Promise<void>;
  /** Makes the directory hold exactly these lanes for `station` (a full sync after reconnecting). */
  replaceLanes(station: string, lanes: readonly FleetLane[]): Promise<void>;
  removeLanes(station: string, laneIds: readonly string[]): Promise<void>;
  /** Every published lane, or one station's, ordered by station then handle. */
  listLanes(options?: { station?: string }): Promise<FleetLane[]>;
}

/** `send`: a message for a lane, in any send mode; `respond`: an answer to one of the lane's pending requests. */
export type MailBody =
  | { kind: 'send'; mode: DeliveryMode; text: string }
  | { kind: 'respond'; request: number; decision?: string; answer?: string[] };

export interface NewMail {
  /** The sending station and its outbox row: together they make a post idempotent. */
  sender: string;
  senderRef: number;
  /** The target station and the lane there, as the sender named it (the target resolves it). */
  target: string;
  lane: string;
  body: MailBody;
}

/**
 * `posted`: waiting for its station; `claimed`: the target station took it and is delivering it
 * through its own ledger; `done`: the target's receipt settled (or the delivery failed for good).
 */
export type MailState = 'posted' | 'claimed' | 'done';

export interface Mail extends NewMail {
  id: number;
  state: MailState;
  /** The target station's receipt (its delivery ledger's id) once it has one, and that receipt's state. */
  receipt: number | null;
  receiptState: DeliveryState | null;
  turnId: string | null;
  error: string | null;
  /** Grows with every change of any mail: the sender reads reports after the last one it saw. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface MailReport {
  receipt: number | null;
  receiptState: DeliveryState | null;
  turnId?: string | null;
  error?: string | null;
  /** The receipt settled (or delivery failed for good): the mail is `done`. */
  done: boolean;
}

export interface Mailbox {
  /** Posts mail; a second post of the same (sender, senderRef) returns the first, unchanged. */
  post(mail: NewMail): Promise<Mail>;
  /**
   * Moves up to `limit` posted mail for `station` to `claimed` and returns it, oldest first. Mail
   * another claimer holds is skipped, not waited for (`FOR UPDATE SKIP LOCKED`).
   */
  claim(station: string, limit: number): Promise<Mail[]>;
  /** Mail `station` claimed and has not finished (what a restarted station must take up again). */
  unfinished(station: string): Promise<Mail[]>;
  /** Writes the target's receipt state back; only the target station may (`not_found` otherwise). */
  report(id: number, station: string, report: MailReport): Promise<Mail>;
  /** Mail `sender` posted that changed after `version`, oldest change first. */
  changedSince(sender: string, version: number, limit: number): Promise<Mail[]>;
  /**
   * Deletes `sender`'s done mail whose last change is at or below `throughVersion` (what its mirror
   * has applied: the outbox keeps the outcome) and older than `olderThanMs`; returns how many went.
   * Only the sender prunes, so a post is never repeated for pruned mail (its outbox row is posted).
   */
  pruneMail(sender: string, throughVersion: number, olderThanMs: number): Promise<number>;
  find(id: number): Promise<Mail | undefined>;
}

/** A fact as a station published it: `seq` is its place in that station's own log. */
export type FleetFact = StoredFact & { station: string };

export interface FactStream {
  /** Appends facts of `station` (a seq already there is skipped: re-publishing after a crash is harmless). */
  publishFacts(station: string, facts: readonly StoredFact[]): Promise<void>;
  /** The highest seq of `station` published so far (0 before the first): where its publisher resumes. */
  latestFact(station: string): Promise<number>;
  /** Facts of `station` after `seq`, oldest first, optionally of some lanes only. */
  factsSince(station: string, seq: number, options: { lanes?: readonly string[]; limit: number }): Promise<FleetFact[]>;
  /** Keeps each station's newest `keep` facts; returns how many went. */
  pruneFacts(station: string, keep: number): Promise<number>;
}

/** What wakes a station: new mail for it, a report on mail it sent, facts of another station. */
export type FleetWake = { channel: 'mail'; station: string } | { channel: 'report'; sender: string } | { channel: 'facts'; station: string };

/**
 * The shared database as one station sees it. `listen` wakes on NOTIFY; a wake is only a hint, so
 * every consumer also polls (a notification is lost while the connection is down).
 */
export interface Fleet extends LaneDirectory, Mailbox, FactStream {
  listen(listener: (wake: FleetWake) => void): Disposable;
  close(): Promise<void>;
}

/** `name@station`, parsed. */
export interface RemoteLaneRef {
  /** The lane selector on its station (handle, name or id). */
  lane: string;
  station: string;
}

const STATION_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

export function isStationName(name: string): boolean {
  return STATION_NAME.test(name);
}

export function requireStationName(name: string): string {
  if (!isStationName(name)) throw new DispatchError('validation', `"${name}" is not a station name: letters, digits, '.', '_' and '-', at most 63, starting with a letter or digit`);
  return name;
}

/**
 * `worker@build-1` (and `@worker@build-1`) name lane `worker` on station `build-1`; anything else
 * is a local selector (handles begin with `@`, and `@[repo] name` has no station part). A
 * reference to `self` (this station's own name) is local too.
 */
export function parseLaneRef(selector: string, self?: string): RemoteLaneRef | null {
  const at = selector.lastIndexOf('@');
  if (at <= 0) return null;
  const lane = selector.slice(0, at);
  const station = selector.slice(at + 1);
  if (!isStationName(station) || lane === '@' || lane.trim() === '') return null;
  if (station === self) return null;
  return { lane, station };
}

export function formatLaneRef(ref: RemoteLaneRef): string {
  return `${ref.lane}@${ref.station}`;
}

/** How a remote lane is named in views and in the actions they offer: its handle on its station, `@worker@build-1`. */
export function remoteSelectorOf(lane: Pick<FleetLane, 'handle' | 'station'>): string {
  return formatLaneRef({ lane: lane.handle, station: lane.station });
}

/** The fleet's database cannot be reached (or refused): local work goes on; this call cannot. */
export function fleetUnavailable(detail: string, cause?: unknown): DispatchError {
  return new DispatchError('fleet_unavailable', `the fleet database is not reachable: ${detail}`, cause === undefined ? {} : { cause });
}

export function notInFleet(selector: string): DispatchError {
  return new DispatchError('validation', `'${selector}' names a lane on another station, but this station is in no fleet (set [fleet] url and station in config.toml, or DISPATCH_FLEET_URL and DISPATCH_STATION)`);
}

/** A cross-station message as the sender keeps it (its local outbox; it survives the database being away). */
export interface OutboxEntry {
  id: number;
  station: string;
  lane: string;
  body: MailBody;
  idempotencyKey: string | null;
  source: string;
  /** The mail's id once posted (null while the database was unreachable). */
  mailId: number | null;
  /** The target's receipt and its state as last reported; `queued` until the target took it. */
  receipt: number | null;
  state: DeliveryState;
  turnId: string | null;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * The fleet as op handlers use it (ctx.fleet; absent when the station is in no fleet). Reads go
 * to the database (`fleet_unavailable` while it is away); `send` and `respond` only write the local
 * outbox, so they work while the database is away and are posted when it returns.
 */
export interface FleetAccess {
  readonly station: string;
  /** The database URL as configured; whatever shows it passes it through redactUrl (shared/redactUrl.ts). */
  readonly databaseUrl?: string;
  /** Whether the station's connection to the database is up right now (false while it retries). */
  connected?(): boolean;
  stations(): Promise<Array<StationEntry & { lanes: number; busy: number; needsYou: number }>>;
  /** Published lanes; a lane whose station's lease lapsed has `reachable` false. */
  lanes(options?: { station?: string }): Promise<Array<FleetLane & { reachable: boolean }>>;
  /** The one lane `ref` names (handle, bare name or id on its station): `not_found` / `ambiguous` otherwise. */
  findLane(ref: RemoteLaneRef): Promise<FleetLane & { reachable: boolean }>;
  /** `duplicate`: the idempotency key matched an earlier identical message; its entry is returned, nothing is queued again. */
  send(ref: RemoteLaneRef, message: { mode: DeliveryMode; text: string; idempotencyKey?: string; source: string }): OutboxEntry & { duplicate: boolean };
  respond(station: string, request: number, answer: { decision?: string; answer?: string[] }): OutboxEntry;
  outbox(id: number): OutboxEntry | undefined;
  /** A remote lane's facts from its station's stream (newest `limit` when `since` is absent). */
  laneFacts(station: string, laneId: string, options: { since?: number; limit: number }): Promise<FleetFact[]>;
  /** This station's own place in the fleet, for `daemon status` (no database round trip). */
  status?(): FleetStationStatus;
}

/**
 * `connecting`: not joined yet (the database was unreachable so far); `joined`: holds its lease;
 * `lease_lost` / `name_taken`: another station holds the name, so this one stopped all fleet activity.
 */
export interface FleetStationStatus {
  station: string;
  /** The database url with its password redacted. */
  url: string;
  state: 'connecting' | 'joined' | 'lease_lost' | 'name_taken' | 'stopped';
  /** The last call to the database succeeded. */
  connected: boolean;
  leaseExpiresAt: string | null;
  lastError: string | null;
}

/** How often consumers poll besides being woken (a NOTIFY can be lost while disconnected). */
export const FLEET_POLL_MS = 2_000;
