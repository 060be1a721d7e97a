import type { LaneEvent } from './laneEvents.js';
import type { Logger } from './context.js';
import { settleTurn } from './deliveries.js';
import type { Clock, LanePatch, Store } from './ports.js';

export interface ReactorDeps {
  store: Store;
  clock: Clock;
  log: Logger;
  /** Called after a turn ends, so the lane's queue can start its next message. */
  onTurnEnded(laneId: string): void;
}

/**
 * Keeps lane state right from lane events, one event at a time in wire order. A throw while
 * handling one event is logged and never stops the stream (the daemon keeps serving).
 */
export function createReactor(deps: ReactorDeps): (event: LaneEvent) => void {
  return (event) => {
    try {
      apply(deps, event);
    } catch (error) {
      deps.log.error('reactor.handle_failed', { event: event.type, lane: event.laneId, error: (error as Error).message });
    }
  };
}

function apply(deps: ReactorDeps, event: LaneEvent): void {
  const lane = deps.store.lanes.find(event.laneId);
  if (!lane || lane.status === 'archived') return;
  const now = deps.clock.now().toISOString();
  const patch: LanePatch = {};
  switch (event.type) {
    case 'turnStarted':
      patch.status = 'busy';
      patch.activeTurnId = event.turnId;
      patch.latestTurn = { id: event.turnId, status: 'inProgress', error: null, at: now };
      break;
    case 'turnCompleted': {
      // thread/status idle precedes turn/completed, so a new turn may already be running here:
      // a late completion must never overwrite the newer turn's busy state.
      const current = lane.activeTurnId === null || lane.activeTurnId === event.turnId;
      const error = event.error ?? (event.outcome === 'failed' && lane.latestTurn?.id === event.turnId ? lane.latestTurn.error : null);
      if (current) {
        patch.status = event.outcome === 'failed' ? 'error' : 'idle';
        patch.activeTurnId = null;
      }
      if (current || lane.latestTurn?.id === event.turnId) patch.latestTurn = { id: event.turnId, status: event.outcome, error: error ?? null, at: now };
      if (event.lastAgentMessage !== undefined) patch.lastAgentMessage = event.lastAgentMessage;
      break;
    }
    case 'turnError':
      // The `error` notification precedes turn/completed; keep its message for the failed turn.
      if (!event.willRetry) patch.latestTurn = { id: event.turnId, status: 'failed', error: event.error, at: now };
      // While codex retries (provider unreachable, "Reconnecting... 3/5") the lane stays busy; the
      // reason shows on its running turn until the turn progresses or ends.
      else if (lane.activeTurnId === event.turnId) patch.latestTurn = { id: event.turnId, status: 'inProgress', error: event.error, at: now };
      break;
    case 'statusChanged':
      if (event.status === 'active') {
        const waiting = event.activeFlags.includes('waitingOnApproval') || event.activeFlags.includes('waitingOnUserInput');
        patch.status = waiting ? 'waiting_approval' : 'busy';
      } else if (event.status === 'systemError') {
        patch.status = 'error';
      } else if (event.status === 'idle' && lane.status !== 'error') {
        patch.status = 'idle';
      }
      break;
    case 'approvalRequested':
      patch.status = 'waiting_approval';
      break;
    case 'itemStarted':
      // Work after a retried error means the provider answered again: the reason no longer applies.
      if (lane.latestTurn?.id === event.turnId && lane.latestTurn.status === 'inProgress' && lane.latestTurn.error) patch.latestTurn = { ...lane.latestTurn, error: null, at: now };
      break;
    case 'itemCompleted':
      if (event.item.type === 'agentMessage' && event.item.text) patch.lastAgentMessage = event.item.text;
      break;
    case 'agentMessageDelta':
    case 'tokenUsage':
      return;
    default:
      break;
  }
  patch.lastEventAt = now;
  deps.store.transaction(() => {
    deps.store.lanes.update(lane.id, patch);
    if (event.type === 'turnCompleted') settleTurn(deps.store, lane.id, event.turnId, event.outcome, event.error?.message);
  });
  if (event.type === 'turnCompleted') deps.onTurnEnded(lane.id);
}
