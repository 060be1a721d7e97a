/**
 * Facts: what happened on a lane, as the registry's append-only log keeps it. Lane state (status,
 * turns, attention) is their fold (lane/state.ts); the log is also what a client reads from a
 * cursor to resume where it stopped.
 */
import type { DeliveryMode, DeliveryState, LaneWorktree, LatestTurn, TurnSettings } from './model.js';
import type { LaneEvent, LaneItem, TurnFailure } from './laneEvents.js';
import { DispatchError } from '../shared/errors.js';

/** Every lane event codex reports, except the per-token deltas (live only: they rebuild nothing). */
export type CodexFact = Exclude<LaneEvent, { type: 'agentMessageDelta' }>;

/** What dispatch itself establishes. */
export type DispatchFact =
  | {
      type: 'laneCreated';
      laneId: string;
      handle: string;
      source: 'own' | 'attached';
      cwd: string | null;
      /** Attached lanes start as busy when their thread was running. */
      status: 'idle' | 'busy';
      settings: TurnSettings;
      ephemeral: boolean;
      /** The op that made it (`new`, `lane.open`, `lane.fork`, `lane.attach`). */
      by: string;
      /** The git worktree made for it (`--worktree`). */
      worktree?: LaneWorktree;
    }
  /** The lane's worktree record changed: null when restore found its branch gone. */
  | { type: 'laneWorktreeChanged'; laneId: string; worktree: LaneWorktree | null }
  | { type: 'laneRenamed'; laneId: string; from: string; handle: string }
  | { type: 'laneArchived'; laneId: string }
  | { type: 'laneRestored'; laneId: string }
  | { type: 'laneRolledBack'; laneId: string; droppedTurns: number; latestTurn: Omit<LatestTurn, 'at'> | null; lastAgentMessage: string | null }
  /** A person read the lane (its tail): a finished turn is no longer unread. */
  | { type: 'laneRead'; laneId: string }
  /** An ephemeral thread did not survive an app-server restart. */
  | { type: 'laneLost'; laneId: string; reason: string }
  /** codex accepted a turn for a receipt (send, queue, interject, steer). */
  | { type: 'turnAccepted'; laneId: string; turnId: string; receipt: number; mode: DeliveryMode }
  /** The app-server (or dispatchd) died while the turn ran: it is gone. */
  | { type: 'turnLost'; laneId: string; turnId: string; error: TurnFailure }
  /**
   * A lost turn's completion, found in the thread's history once codex was back (its receipt
   * settles `completed` with it): the turn did finish; `lastAgentMessage` is its saved reply.
   */
  | { type: 'turnRecovered'; laneId: string; turnId: string; lastAgentMessage?: string }
  /** `held`: admission keeps a queued receipt back, and why (it stays `queued`). */
  | { type: 'deliveryChanged'; laneId: string; receipt: number; mode: DeliveryMode; state: DeliveryState; turnId?: string | null; error?: string | null; held?: string }
  | { type: 'triggerFired'; laneId: string; triggerId: string; event: string; outcome: string; receipt?: number }
  | { type: 'inboxItem'; laneId: string; item: number; triggerId: string | null; event: string };

export type Fact = CodexFact | DispatchFact;
export type FactType = Fact['type'];

/** A fact as the log holds it: its place in the log and when it was appended. */
export type StoredFact = Fact & { seq: number; at: string };

/** An entry of the live feed: a stored fact, or a delta (never stored: `seq` null). */
export interface FeedEntry {
  seq: number | null;
  at: string;
  event: Fact | Extract<LaneEvent, { type: 'agentMessageDelta' }>;
}

/** Longest text a stored fact keeps in any one field (the thread's own history has all of it). */
export const MAX_FACT_TEXT = 16_384;

/** Cuts every string field over MAX_FACT_TEXT (and marks the record `truncated`); paths lists are capped too. */
function clipped<T extends object>(record: T): T {
  let out: Record<string, unknown> | undefined;
  for (const [key, value] of Object.entries(record)) {
    const long = typeof value === 'string' && value.length > MAX_FACT_TEXT;
    const many = Array.isArray(value) && value.length > MAX_FACT_PATHS;
    if (!long && !many) continue;
    out ??= { ...(record as Record<string, unknown>) };
    out[key] = long ? value.slice(0, MAX_FACT_TEXT) : (value as unknown[]).slice(0, MAX_FACT_PATHS);
    out['truncated'] = true;
  }
  return (out ?? record) as T;
}

/** Most paths a stored file-change item keeps. */
const MAX_FACT_PATHS = 200;

/**
 * The form a fact is stored in: wire items lose their `raw` payload and long fields are cut, so
 * one chatty command cannot grow the registry without bound. Live subscribers get the full event.
 */
export function storedFormOf(fact: Fact): Fact {
  if (fact.type === 'itemStarted' || fact.type === 'itemCompleted') {
    const { raw: _raw, ...item } = fact.item;
    return { ...fact, item: clipped(item) as LaneItem };
  }
  return clipped(fact);
}

/** The log's ends: the oldest fact still kept (null when none is) and the latest sequence number ever given. */
export interface FactBounds {
  oldest: number | null;
  latest: number;
}

/**
 * Checks a reader's cursor against the log (`events`, a subscription from `since`): one past the
 * latest sequence number comes from another registry, so it is refused. `missed` says facts after
 * the cursor were already pruned, the reading then starting at the oldest kept.
 */
export function checkCursor(since: number, bounds: FactBounds): { missed: boolean } {
  if (since > bounds.latest) {
    throw new DispatchError('validation', `cursor ${since} is past the log (its latest sequence is ${bounds.latest}): this registry is not the one the cursor came from`);
  }
  // An empty log after facts were appended means every one after the cursor was pruned.
  const firstKept = bounds.oldest ?? bounds.latest + 1;
  return { missed: since < firstKept - 1 };
}
