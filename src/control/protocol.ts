import { loadManifest } from '../contracts/manifest.js';
import type { DispatchFact, FeedEntry } from '../core/facts.js';
import type { LaneEvent } from '../core/laneEvents.js';
import type { HomeMode } from './homeMode.js';

/**
 * The control protocol between `dispatch` (CLI, MCP) and `dispatchd`: JSONL over a Unix socket,
 * JSON-RPC shaped, many requests per connection, and daemon→client notifications for subscriptions.
 *
 *   hello       {protocol, version, op_hashes}              → {protocol, version, pid, op_hashes, busy_lanes, mode}
 *   call        {op, input, input_hash, cwd}                 → the op's output (or a typed error)
 *   subscribe   {lane?, lanes?, since?, subscription?}       → {subscription, latest_seq, oldest_seq, missed};
 *                                                              then `event` notifications {subscription, seq, at, event},
 *                                                              and a last `subscriptionEnded` if the daemon ends it
 *   unsubscribe {subscription}                               → {}
 *   dashboard   {}                                           → {url, port}: the web dashboard, listening from then on
 *   shutdown    {}                                           → {} and the daemon stops
 */
export const CONTROL_PROTOCOL_VERSION = 1;

/** The notification `{id}` a side sends when it gives up on a request; the other side aborts it. */
export const CONTROL_CANCEL_METHOD = '$/cancelRequest';

/** Starts the line a failing `dispatchd run` writes to stderr: its typed error as JSON (read back by client/dispatchdProcess.ts). */
export const START_FAILURE_PREFIX = 'dispatchd-start-failure: ';

export interface HelloParams {
  protocol: number;
  version: string;
  op_hashes: Record<string, string>;
}

export interface HelloResult {
  protocol: number;
  version: string;
  pid: number;
  op_hashes: Record<string, string>;
  /** Lanes running a turn: a daemon with work in flight is not restarted behind the user's back. */
  busy_lanes: number;
  /** Simulated or real, and the codex home in use (absent from daemons older than the mode file). */
  mode?: HomeMode;
}

export interface CallParams {
  op: string;
  input: unknown;
  /** The caller's hash of the op's input schema; a mismatch is refused, never guessed at. */
  input_hash: string;
  /** The caller's cwd; relative paths in the input resolve against it. */
  cwd: string;
}

export interface SubscribeParams {
  lane?: string;
  lanes?: string[];
  /** Replay the log's facts after this sequence number, then go live: a reconnecting client resumes exactly. */
  since?: number;
  /** The id the client files notifications under (chosen by the client so none arrives before it is known). */
  subscription?: string;
}

export interface SubscribeResult {
  subscription: string;
  /** The log's latest sequence number when the subscription started. */
  latest_seq: number;
  oldest_seq: number | null;
  /** True when facts after `since` were already pruned: the replay starts at `oldest_seq`. */
  missed: boolean;
}

export interface EventNotification {
  subscription: string;
  /** The fact's place in the log; null for what is never stored (agent message deltas). */
  seq: number | null;
  at: string;
  event: unknown;
}

/** Where the daemon's web dashboard listens (127.0.0.1) and the one URL that carries its token. */
export interface DashboardResult {
  url: string;
  port: number;
}

/** The notification a subscription's last frame is when the daemon ends it (a client too slow to read). */
export const SUBSCRIPTION_ENDED_METHOD = 'subscriptionEnded';

export interface SubscriptionEndedNotification {
  subscription: string;
  /** The last fact's seq the daemon wrote to this subscription: subscribe again with `since` it to miss nothing. */
  last_seq: number;
  /** Why, as a typed wire error (`data.code`, e.g. `limit_exceeded` with `data.limit`). */
  error: { code: number; message: string; data: Record<string, unknown> };
}

let cachedHashes: Promise<Record<string, string>> | undefined;

/**
 * The input-schema hash of every op this build knows (from the build's manifest), under its name
 * and under each old name of it, so a caller still using an old name is checked for skew the same way.
 * Only own keys exist, so `hashes[name]` is undefined for any name that is not an op.
 */
export function localOpHashes(): Promise<Record<string, string>> {
  cachedHashes ??= loadManifest().then((manifest) => {
    // No prototype: an op named `toString` or `__proto__` must be unknown, not an Object method.
    const hashes = Object.create(null) as Record<string, string>;
    for (const op of manifest.ops) hashes[op.name] = op.inputHash;
    for (const [alias, name] of Object.entries(manifest.aliases)) {
      const hash = hashes[name];
      if (hash !== undefined) hashes[alias] = hash;
    }
    return hashes;
  });
  return cachedHashes;
}

/** The op name a call names: an op name as it is, an old name as the op it now is; undefined when unknown. */
export async function localOpName(name: string): Promise<string | undefined> {
  const manifest = await loadManifest();
  if (manifest.ops.some((op) => op.name === name)) return name;
  return Object.hasOwn(manifest.aliases, name) ? manifest.aliases[name] : undefined;
}

/** What the daemon pushes to subscribers: facts (lane events from codex and dispatch's own) and deltas. */
export type { FeedEntry, Fact } from '../core/facts.js';
export type { LaneEvent } from '../core/laneEvents.js';

/** Every type of fact dispatch establishes itself; `satisfies` makes a new one a compile error here. */
const DISPATCH_FACT_TYPES = {
  laneCreated: true,
  laneRenamed: true,
  laneArchived: true,
  laneRestored: true,
  laneRolledBack: true,
  laneRead: true,
  laneLost: true,
  turnAccepted: true,
  turnLost: true,
  turnRecovered: true,
  deliveryChanged: true,
  triggerFired: true,
  inboxItem: true,
  laneWorktreeChanged: true,
} as const satisfies Record<DispatchFact['type'], true>;

/** True for what codex reported (lane events and deltas), false for dispatch's own facts. */
export function isLaneEvent(event: FeedEntry['event']): event is LaneEvent {
  return !Object.hasOwn(DISPATCH_FACT_TYPES, event.type);
}
