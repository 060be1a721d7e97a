/**
 * A lane's state is the fold of its facts: `reduceLane` is the only code that decides a lane's
 * handle, status, active turn, latest turn, last agent message and attention. It is pure (no
 * store, no clock: `at` is the fact's own time), so it is tested by replaying facts alone.
 */
import { isRunningLaneState } from '../../contracts/schemas.js';
import type { Fact } from '../facts.js';
import type { Attention, Lane, LaneState, LatestTurn } from '../model.js';

/** The attention a status implies; an idle lane keeps `done-unread` until someone reads it. */
function attentionFor(status: LaneState, previous: Attention): Attention {
  switch (status) {
    case 'busy':
      return 'working';
    case 'waiting_approval':
      return 'needs-you';
    case 'error':
      return 'failed';
    case 'idle':
      return previous === 'done-unread' ? 'done-unread' : 'idle';
    case 'archived':
    case 'unknown':
      return 'idle';
  }
}

type Change = Partial<Pick<Lane, 'handle' | 'status' | 'attention' | 'activeTurnId' | 'latestTurn' | 'lastAgentMessage' | 'lastEventAt' | 'worktree'>>;

/**
 * The lane after one fact. Returns the same object when the fact changes nothing, and undefined
 * for a fact about a lane that does not exist (only `laneCreated` makes one).
 */
export function reduceLane(lane: Lane | undefined, fact: Fact, at: string): Lane | undefined {
  if (!lane) return fact.type === 'laneCreated' ? createdLane(fact, at) : undefined;
  // An archived lane only changes by being restored (or renamed): codex may still report on it.
  if (lane.status === 'archived' && fact.type !== 'laneRestored' && fact.type !== 'laneRenamed' && fact.type !== 'laneWorktreeChanged') return lane;
  const change = changeOf(lane, fact, at);
  if (!change) return lane;
  const next: Lane = { ...lane, ...change };
  next.attention = change.attention ?? attentionFor(next.status, lane.attention);
  return sameLane(lane, next) ? lane : next;
}

function createdLane(fact: Extract<Fact, { type: 'laneCreated' }>, at: string): Lane {
  return {
    id: fact.laneId,
    handle: fact.handle,
    source: fact.source,
    cwd: fact.cwd,
    status: fact.status,
    attention: attentionFor(fact.status, 'idle'),
    activeTurnId: null,
    settings: fact.settings,
    ephemeral: fact.ephemeral,
    latestTurn: null,
    lastAgentMessage: null,
    worktree: fact.worktree ?? null,
    createdAt: at,
    updatedAt: at,
    lastEventAt: null,
  };
}

/** The lane is running a turn other than `turnId`. */
const runsOtherTurn = (lane: Lane, turnId: string): boolean => isRunningLaneState(lane.status) && lane.activeTurnId !== null && lane.activeTurnId !== turnId;

const turn = (id: string, status: LatestTurn['status'], error: LatestTurn['error'], at: string): LatestTurn => ({ id, status, error, at });

function changeOf(lane: Lane, fact: Fact, at: string): Change | undefined {
  switch (fact.type) {
    case 'turnStarted':
      return { status: 'busy', activeTurnId: fact.turnId, latestTurn: turn(fact.turnId, 'inProgress', null, at), lastEventAt: at };
    case 'turnAccepted':
      // codex's turn/started may have come (or the turn even ended) before turn/start answered.
      if (fact.mode === 'steer' || lane.latestTurn?.id === fact.turnId) return undefined;
      // codex runs one turn at a time: an acceptance read while another turn runs is a late one.
      if (runsOtherTurn(lane, fact.turnId)) return undefined;
      return { status: 'busy', activeTurnId: fact.turnId, latestTurn: turn(fact.turnId, 'inProgress', null, at) };
    case 'turnCompleted': {
      // thread/status idle precedes turn/completed, so a new turn may already be running here:
      // a late completion must never overwrite the newer turn's busy state.
      const current = lane.activeTurnId === null || lane.activeTurnId === fact.turnId;
      const known = lane.latestTurn?.id === fact.turnId;
      const error = fact.error ?? (fact.outcome === 'failed' && known ? (lane.latestTurn?.error ?? null) : null);
      const change: Change = { lastEventAt: at };
      if (current) {
        change.status = fact.outcome === 'failed' ? 'error' : 'idle';
        change.activeTurnId = null;
        change.attention = fact.outcome === 'failed' ? 'failed' : fact.outcome === 'completed' ? 'done-unread' : 'idle';
      }
      if (current || known) {
        change.latestTurn = turn(fact.turnId, fact.outcome, error, at);
        if (fact.lastAgentMessage !== undefined) change.lastAgentMessage = fact.lastAgentMessage;
      }
      return change;
    }
    case 'turnError':
      // The `error` notification precedes turn/completed; keep its message for the failed turn.
      if (!fact.willRetry) {
        // Like a late completion, a late error of an older turn leaves the newer turn alone.
        if (lane.activeTurnId !== null && lane.activeTurnId !== fact.turnId && lane.latestTurn?.id !== fact.turnId) return { lastEventAt: at };
        return { latestTurn: turn(fact.turnId, 'failed', fact.error, at), lastEventAt: at };
      }
      // While codex retries (provider unreachable, "Reconnecting... 3/5") the lane stays busy; the
      // reason shows on its running turn until the turn progresses or ends.
      if (lane.activeTurnId === fact.turnId) return { latestTurn: turn(fact.turnId, 'inProgress', fact.error, at), lastEventAt: at };
      return { lastEventAt: at };
    case 'turnLost': {
      const error = { message: fact.error.message, ...(fact.error.code ? { code: fact.error.code } : {}) };
      return { status: 'error', activeTurnId: null, latestTurn: turn(fact.turnId, 'failed', error, at) };
    }
    case 'turnRecovered':
      // The history shows the lost turn finished: that replaces the failure turnLost recorded for it,
      // unless a later turn has become the lane's latest (or runs) since.
      if (lane.latestTurn?.id !== fact.turnId || lane.activeTurnId !== null) return undefined;
      return {
        status: 'idle',
        attention: 'done-unread',
        latestTurn: turn(fact.turnId, 'completed', null, at),
        ...(fact.lastAgentMessage === undefined ? {} : { lastAgentMessage: fact.lastAgentMessage }),
      };
    case 'statusChanged':
      if (fact.status === 'active') {
        const waiting = fact.activeFlags.includes('waitingOnApproval') || fact.activeFlags.includes('waitingOnUserInput');
        return { status: waiting ? 'waiting_approval' : 'busy', lastEventAt: at };
      }
      if (fact.status === 'systemError') return { status: 'error', lastEventAt: at };
      if (fact.status === 'idle' && lane.status !== 'error') return { status: 'idle', lastEventAt: at };
      return { lastEventAt: at };
    case 'approvalRequested':
      return { status: 'waiting_approval', lastEventAt: at };
    case 'itemStarted':
      // Work after a retried error means the provider answered again: the reason no longer applies.
      if (lane.latestTurn?.id === fact.turnId && lane.latestTurn.status === 'inProgress' && lane.latestTurn.error) {
        return { latestTurn: { ...lane.latestTurn, error: null, at }, lastEventAt: at };
      }
      return { lastEventAt: at };
    case 'itemCompleted':
      if (fact.item.type === 'agentMessage' && fact.item.text) return { lastAgentMessage: fact.item.text, lastEventAt: at };
      return { lastEventAt: at };
    case 'approvalResolved':
    case 'goalUpdated':
    case 'goalCleared':
    case 'compacted':
      return { lastEventAt: at };
    case 'tokenUsage':
      return undefined;
    case 'laneCreated':
      return undefined;
    case 'laneRenamed':
      return { handle: fact.handle };
    case 'laneArchived':
      return { status: 'archived', activeTurnId: null };
    case 'laneRestored':
      return lane.status === 'archived' ? { status: 'idle', attention: 'idle' } : undefined;
    case 'laneRolledBack':
      return {
        status: 'idle',
        attention: 'idle',
        activeTurnId: null,
        latestTurn: fact.latestTurn ? { ...fact.latestTurn, at } : null,
        lastAgentMessage: fact.lastAgentMessage,
      };
    case 'laneWorktreeChanged':
      return { worktree: fact.worktree };
    case 'laneRead':
      return lane.attention === 'done-unread' ? { attention: 'idle' } : undefined;
    case 'laneLost':
      return { status: 'error', activeTurnId: null };
    case 'deliveryChanged':
    case 'triggerFired':
    case 'inboxItem':
      return undefined;
  }
}

// `worktree` by reference: only a fact replaces it, with a new object.
const FIELDS = ['handle', 'status', 'attention', 'activeTurnId', 'lastAgentMessage', 'lastEventAt', 'worktree'] as const;

/** Field by field: this runs for every fact, where serializing both turns would cost more than the fold. */
function sameTurn(a: LatestTurn | null, b: LatestTurn | null): boolean {
  if (a === b) return true;
  if (!a || !b || a.id !== b.id || a.status !== b.status || a.at !== b.at) return false;
  return a.error === b.error || JSON.stringify(a.error) === JSON.stringify(b.error);
}

function sameLane(a: Lane, b: Lane): boolean {
  return FIELDS.every((key) => a[key] === b[key]) && sameTurn(a.latestTurn, b.latestTurn);
}

/** The lane fields a fold changed, as a patch for the repository (undefined when none did). */
export function changedFields(before: Lane, after: Lane): Change | undefined {
  const patch: Change = {};
  let changed = false;
  for (const key of FIELDS) {
    if (before[key] === after[key]) continue;
    (patch as Record<string, unknown>)[key] = after[key];
    changed = true;
  }
  if (!sameTurn(before.latestTurn, after.latestTurn)) {
    patch.latestTurn = after.latestTurn;
    changed = true;
  }
  return changed ? patch : undefined;
}
