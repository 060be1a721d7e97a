import type { LaneEvent } from './laneEvents.js';
import type { FeedEntry } from './facts.js';
import type { Journal } from './journal.js';
import { settleTurn } from './deliveries.js';
import type { Clock, Store } from './ports.js';

export interface ReactorDeps {
  store: Store;
  journal: Journal;
  clock: Clock;
  /** Where what is not a fact goes: deltas, and events of threads dispatch has no lane for. */
  publishLive(entry: FeedEntry): void;
}

/**
 * Records one lane event from codex as a fact (its lane folds it) and, when a turn ended,
 * settles that turn's receipts, all in one transaction. Deltas are not facts: they are live only.
 */
export function react(deps: ReactorDeps, event: LaneEvent): void {
  if (event.type === 'agentMessageDelta' || !deps.store.lanes.find(event.laneId)) {
    const entry = { seq: null, at: deps.clock.now().toISOString(), event };
    // In a batch the feed gets it after the facts before it, which wait for the commit.
    deps.store.afterCommit(() => deps.publishLive(entry));
    return;
  }
  deps.store.join(() => {
    deps.journal.record(event);
    if (event.type === 'turnCompleted') settleTurn(deps, event.laneId, event.turnId, event.outcome, event.error?.message);
  });
}
